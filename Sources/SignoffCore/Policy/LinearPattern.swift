/// The regular expressions a policy's `matches:` accepts, matched in time
/// linear in the value (a Thompson NFA simulated breadth-first, Pike-VM
/// style): no pattern can make routing slow, however its quantifiers nest.
/// `(a+)+b` against forty `a`s takes forty steps per live state, not 2^40.
///
/// The syntax is the regular subset common to every engine, matched over
/// Unicode scalars against the whole value:
/// literals; `.` (anything but a line feed); classes `[a-z_]`, `[^0-9]`;
/// `\d` `\w` `\s` and their negations `\D` `\W` `\S` (Unicode digits, word
/// characters and white space); `\n` `\t` `\r` `\f` `\v`, `\xHH`, `\u{H…}`
/// and `\` before any punctuation; groups `( )`, `(?: )`, `(?<name> )`;
/// alternation `|`; quantifiers `*` `+` `?` `{n}` `{n,}` `{n,m}` (lazy forms
/// too: for a whole-value match they mean the same); `^` first and `$` last.
/// Constructs that need backtracking or look beyond the current character
/// (backreferences, lookaround, atomic groups, possessive quantifiers, word
/// boundaries, inline flags) are refused by name when the policy is read.
struct LinearPattern: Sendable {
    /// Why a pattern was refused: what, and where (1-based character).
    struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        var position: Int
        var message: String
        var description: String { "at character \(position): \(message)" }
    }

    /// Instructions after expanding counted repetitions; more is refused, so
    /// matching stays within a known number of steps per character.
    static let maximumSize = 2_000
    static let maximumNesting = 64

    private let program: [Instruction]
    private let sets: [ScalarSet]

    init(_ pattern: String) throws(Problem) {
        var parser = Parser(Array(pattern.unicodeScalars))
        let node = try parser.parseWhole()
        var compiler = Compiler()
        try compiler.emit(node)
        compiler.append(Instruction(.match))
        program = compiler.program
        sets = parser.sets
    }

    /// Whether the whole of `value` matches.
    func matches(_ value: String) -> Bool {
        var steps = 0
        return run(value, steps: &steps)
    }

    /// `matches`, counting the instructions visited: the measure that the
    /// matcher's work grows linearly with the value (tests hold it to that).
    func cost(_ value: String) -> (matched: Bool, steps: Int) {
        var steps = 0
        let matched = run(value, steps: &steps)
        return (matched, steps)
    }

    private func run(_ value: String, steps: inout Int) -> Bool {
        let count = program.count
        // A closure pushes at most two entries per instruction it visits.
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: count * 5 + 4) { buffer in
            // Two thread lists (dense arrays of program counters), one "seen in
            // this step" mark per instruction, and a stack for the closure.
            let current = buffer.baseAddress!
            let next = current + count
            let marks = next + count
            let stack = marks + count
            for index in 0..<count { marks[index] = -1 }
            var currentCount = 0, nextCount = 0
            var generation: Int32 = 0

            // Follows jumps and splits from `start`, adding every instruction
            // that consumes a scalar (or matches) to `list`, once per step.
            func addClosure(_ start: Int32, _ list: UnsafeMutablePointer<Int32>, _ listCount: inout Int) {
                var depth = 0
                stack[0] = start
                depth = 1
                while depth > 0 {
                    depth -= 1
                    let pc = Int(stack[depth])
                    if marks[pc] == generation { continue }
                    marks[pc] = generation
                    steps += 1
                    let instruction = program[pc]
                    switch instruction.op {
                    case .jump:
                        stack[depth] = instruction.a; depth += 1
                    case .split:
                        // Second branch pushed first so the first is explored first.
                        stack[depth] = instruction.b; depth += 1
                        stack[depth] = instruction.a; depth += 1
                    case .scalar, .any, .set, .match:
                        list[listCount] = Int32(pc)
                        listCount += 1
                    }
                }
            }

            addClosure(0, current, &currentCount)
            for scalar in value.unicodeScalars {
                generation += 1
                nextCount = 0
                for index in 0..<currentCount {
                    let pc = Int(current[index])
                    let instruction = program[pc]
                    steps += 1
                    let consumed: Bool
                    switch instruction.op {
                    case .scalar: consumed = scalar.value == UInt32(bitPattern: instruction.a)
                    case .any: consumed = scalar != "\n"
                    case .set: consumed = sets[Int(instruction.a)].contains(scalar)
                    case .match, .jump, .split: consumed = false
                    }
                    if consumed { addClosure(Int32(pc + 1), next, &nextCount) }
                }
                if nextCount == 0 { return false }
                // The next list becomes the current one.
                for index in 0..<nextCount { current[index] = next[index] }
                currentCount = nextCount
            }
            for index in 0..<currentCount where program[Int(current[index])].op == .match { return true }
            return false
        }
    }
}

// MARK: - Program

private struct Instruction: Sendable {
    enum Op: UInt8, Sendable { case scalar, any, set, split, jump, match }
    var op: Op
    /// The scalar, the set's index, or the first target.
    var a: Int32 = 0
    /// The second target of a split.
    var b: Int32 = 0
    init(_ op: Op, _ a: Int32 = 0, _ b: Int32 = 0) {
        self.op = op
        self.a = a
        self.b = b
    }
}

/// A character class: ranges and named kinds, possibly negated.
struct ScalarSet: Sendable {
    enum Kind: Sendable, Hashable { case digit, word, space }
    var ranges: [ClosedRange<UInt32>] = []
    var kinds: [(kind: Kind, negated: Bool)] = []
    var negated = false

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        var found = false
        for range in ranges where range.contains(v) { found = true; break }
        if !found {
            for (kind, negated) in kinds where Self.isKind(kind, scalar) != negated { found = true; break }
        }
        return found != negated
    }

    static func isKind(_ kind: Kind, _ scalar: Unicode.Scalar) -> Bool {
        switch kind {
        case .digit: return scalar.properties.numericType == .decimal
        case .word:
            return scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
                || scalar.properties.generalCategory == .nonspacingMark
                || scalar.properties.generalCategory == .connectorPunctuation
        case .space: return scalar.properties.isWhitespace
        }
    }
}

// MARK: - Parsing

private indirect enum PatternNode {
    case empty
    case scalar(UInt32)
    case any
    case set(Int)
    case sequence([PatternNode])
    case alternatives([PatternNode])
    case repeated(PatternNode, min: Int, max: Int?)
}

private struct Parser {
    let scalars: [Unicode.Scalar]
    var index = 0
    var depth = 0
    var sets: [ScalarSet] = []

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var atEnd: Bool { index >= scalars.count }
    var peek: Unicode.Scalar? { atEnd ? nil : scalars[index] }

    func problem(_ message: String, at position: Int? = nil) -> LinearPattern.Problem {
        LinearPattern.Problem(position: (position ?? index) + 1, message: message)
    }

    mutating func parseWhole() throws(LinearPattern.Problem) -> PatternNode {
        if peek == "^" { index += 1 }
        let node = try parseAlternatives()
        if !atEnd {
            // Only an unmatched `)` stops the top level early.
            throw problem("there is no group for this ) to close")
        }
        return node
    }

    mutating func parseAlternatives() throws(LinearPattern.Problem) -> PatternNode {
        var alternatives = [try parseSequence()]
        while peek == "|" {
            index += 1
            alternatives.append(try parseSequence())
        }
        return alternatives.count == 1 ? alternatives[0] : .alternatives(alternatives)
    }

    mutating func parseSequence() throws(LinearPattern.Problem) -> PatternNode {
        var items: [PatternNode] = []
        while let scalar = peek, scalar != "|", scalar != ")" {
            if scalar == "$" {
                guard index == scalars.count - 1 else {
                    throw problem("$ may only end the pattern (the whole value is always matched)")
                }
                index += 1
                break
            }
            let atom = try parseAtom()
            items.append(try parseQuantifier(atom))
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .sequence(items)
        }
    }

    mutating func parseAtom() throws(LinearPattern.Problem) -> PatternNode {
        let start = index
        let scalar = scalars[index]
        index += 1
        switch scalar {
        case ".":
            return .any
        case "(":
            return try parseGroup(start: start)
        case "[":
            return try parseClass(start: start)
        case "\\":
            return try parseEscape(start: start, inClass: false)
        case "^":
            throw problem("^ may only start the pattern (the whole value is always matched)", at: start)
        case "*", "+", "?":
            throw problem("\(scalar) has nothing before it to repeat", at: start)
        case "{":
            throw problem("{ has nothing before it to repeat; write \\{ for a literal brace", at: start)
        default:
            return .scalar(scalar.value)
        }
    }

    mutating func parseGroup(start: Int) throws(LinearPattern.Problem) -> PatternNode {
        depth += 1
        defer { depth -= 1 }
        guard depth <= LinearPattern.maximumNesting else {
            throw problem("groups nest more than \(LinearPattern.maximumNesting) deep", at: start)
        }
        if peek == "?" {
            index += 1
            guard let next = peek else { throw problem("this ( is never closed", at: start) }
            let after = index + 1 < scalars.count ? scalars[index + 1] : nil
            switch next {
            case ":":
                index += 1
            case "<" where after != "=" && after != "!", "P" where after == "<":
                // A named group: the name does not matter for a yes-or-no match.
                while let name = peek, name != ">" { index += 1 }
                guard peek == ">" else { throw problem("the group's name is never closed with >", at: start) }
                index += 1
            case "=", "!":
                throw problem("lookahead (?\(next) is not supported: it needs a backtracking matcher", at: start)
            case "<":
                throw problem("lookbehind is not supported: it needs a backtracking matcher", at: start)
            case ">":
                throw problem("atomic groups (?> are not supported: they need a backtracking matcher", at: start)
            case "#":
                throw problem("comments (?# are not supported", at: start)
            default:
                throw problem("inline options such as (?i) are not supported; write the cases out, e.g. [Pp]rod", at: start)
            }
        }
        let inner = try parseAlternatives()
        guard peek == ")" else { throw problem("this ( is never closed", at: start) }
        index += 1
        return inner
    }

    mutating func parseQuantifier(_ atom: PatternNode) throws(LinearPattern.Problem) -> PatternNode {
        guard let scalar = peek else { return atom }
        let start = index
        var node: PatternNode
        switch scalar {
        case "*": index += 1; node = .repeated(atom, min: 0, max: nil)
        case "+": index += 1; node = .repeated(atom, min: 1, max: nil)
        case "?": index += 1; node = .repeated(atom, min: 0, max: 1)
        case "{":
            index += 1
            guard let low = number() else {
                throw problem("{ must start a count such as {3}, {2,} or {2,5}; write \\{ for a literal brace", at: start)
            }
            var high: Int? = low
            if peek == "," {
                index += 1
                high = number()
            }
            guard peek == "}" else { throw problem("the count is never closed with }", at: start) }
            index += 1
            if let high, high < low { throw problem("the count {\(low),\(high)} asks for fewer than it must", at: start) }
            guard low <= 1000, (high ?? 0) <= 1000 else { throw problem("counts above 1000 are not supported", at: start) }
            node = .repeated(atom, min: low, max: high)
        default:
            return atom
        }
        if peek == "?" {
            index += 1  // lazy: the same yes-or-no answer for a whole-value match
        } else if peek == "+" {
            throw problem("possessive quantifiers are not supported: they need a backtracking matcher")
        }
        if let next = peek, next == "*" || next == "+" || next == "?" || next == "{" {
            throw problem("\(next) repeats a repetition; put the first in a group to repeat it")
        }
        return node
    }

    mutating func number() -> Int? {
        var value: Int?
        while let scalar = peek, let digit = Int(String(scalar)), scalar.isASCII {
            value = min((value ?? 0) * 10 + digit, 1_000_000)
            index += 1
        }
        return value
    }

    mutating func parseClass(start: Int) throws(LinearPattern.Problem) -> PatternNode {
        var set = ScalarSet()
        if peek == "^" {
            set.negated = true
            index += 1
        }
        var first = true
        while true {
            guard let scalar = peek else { throw problem("this [ is never closed with ]", at: start) }
            if scalar == "]" && !first { index += 1; break }
            first = false
            if scalar == "[" && index + 1 < scalars.count && scalars[index + 1] == ":" {
                throw problem("POSIX classes such as [:alpha:] are not supported; use \\w, \\d, \\s or ranges")
            }
            let low: UInt32
            let itemStart = index
            index += 1
            if scalar == "\\" {
                switch try parseEscape(start: itemStart, inClass: true) {
                case let .scalar(value): low = value
                case let .set(position):
                    // \d, \w, \s inside a class: its kinds join this class.
                    let inner = sets.remove(at: position)
                    set.kinds += inner.kinds
                    continue
                case .empty, .any, .sequence, .alternatives, .repeated:
                    throw problem("this escape cannot be part of a class", at: itemStart)
                }
            } else {
                low = scalar.value
            }
            if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                index += 1
                let highStart = index
                guard let end = peek else { throw problem("this [ is never closed with ]", at: start) }
                index += 1
                var high = end.value
                if end == "\\" {
                    guard case let .scalar(value) = try parseEscape(start: highStart, inClass: true) else {
                        throw problem("a range must end in a single character", at: highStart)
                    }
                    high = value
                }
                guard low <= high else { throw problem("the range is backwards (its start comes after its end)", at: itemStart) }
                set.ranges.append(low...high)
            } else {
                set.ranges.append(low...low)
            }
        }
        sets.append(set)
        return .set(sets.count - 1)
    }

    /// After a backslash.
    mutating func parseEscape(start: Int, inClass: Bool) throws(LinearPattern.Problem) -> PatternNode {
        guard let scalar = peek else { throw problem("the pattern ends in a lone \\", at: start) }
        index += 1
        func kind(_ kind: ScalarSet.Kind, negated: Bool) -> PatternNode {
            sets.append(ScalarSet(kinds: [(kind, negated)]))
            return .set(sets.count - 1)
        }
        switch scalar {
        case "d": return kind(.digit, negated: false)
        case "D": return kind(.digit, negated: true)
        case "w": return kind(.word, negated: false)
        case "W": return kind(.word, negated: true)
        case "s": return kind(.space, negated: false)
        case "S": return kind(.space, negated: true)
        case "n": return .scalar(0x0A)
        case "t": return .scalar(0x09)
        case "r": return .scalar(0x0D)
        case "f": return .scalar(0x0C)
        case "v": return .scalar(0x0B)
        case "x":
            return .scalar(try hexScalar(start: start, braced: peek == "{", fixed: 2))
        case "u":
            return .scalar(try hexScalar(start: start, braced: peek == "{", fixed: 4))
        case "b", "B":
            throw problem(inClass ? "\\b inside a class is not supported" : "word boundaries (\\\(scalar)) are not supported: they look beyond the current character", at: start)
        case "A", "z", "Z", "G":
            throw problem("\\\(scalar) is not supported: the whole value is always matched, so anchors are not needed", at: start)
        case "1"..."9", "k", "g":
            throw problem("backreferences (\\\(scalar)) are not supported: no linear-time matcher can run them", at: start)
        case "p", "P":
            throw problem("Unicode properties (\\\(scalar){…}) are not supported; use \\w, \\d, \\s or ranges", at: start)
        default:
            guard scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) else {
                throw problem("\\\(scalar) is not an escape this matcher knows", at: start)
            }
            return .scalar(scalar.value)
        }
    }

    mutating func hexScalar(start: Int, braced: Bool, fixed: Int) throws(LinearPattern.Problem) -> UInt32 {
        var digits = ""
        if braced {
            index += 1
            while let scalar = peek, scalar != "}" { digits.unicodeScalars.append(scalar); index += 1 }
            guard peek == "}" else { throw problem("the escape's { is never closed", at: start) }
            index += 1
        } else {
            for _ in 0..<fixed {
                guard let scalar = peek else { break }
                digits.unicodeScalars.append(scalar)
                index += 1
            }
        }
        guard (1...6).contains(digits.count), let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value) else {
            throw problem("the escape does not name a character in hex", at: start)
        }
        return scalar.value
    }
}

// MARK: - Compiling

private struct Compiler {
    var program: [Instruction] = []

    mutating func append(_ instruction: Instruction) {
        program.append(instruction)
    }

    mutating func check() throws(LinearPattern.Problem) {
        if program.count > LinearPattern.maximumSize {
            throw LinearPattern.Problem(position: 1, message: "the pattern is too large once its counted repetitions are spelled out (more than \(LinearPattern.maximumSize) steps); use * or + instead of large counts")
        }
    }

    mutating func emit(_ node: PatternNode) throws(LinearPattern.Problem) {
        try check()
        switch node {
        case .empty:
            return
        case let .scalar(value):
            append(Instruction(.scalar, Int32(bitPattern: value)))
        case .any:
            append(Instruction(.any))
        case let .set(index):
            append(Instruction(.set, Int32(index)))
        case let .sequence(items):
            for item in items { try emit(item) }
        case let .alternatives(options):
            var jumps: [Int] = []
            for (position, option) in options.enumerated() {
                if position < options.count - 1 {
                    let split = program.count
                    append(Instruction(.split, Int32(split + 1), 0))
                    try emit(option)
                    jumps.append(program.count)
                    append(Instruction(.jump))
                    program[split].b = Int32(program.count)
                } else {
                    try emit(option)
                }
            }
            for jump in jumps { program[jump].a = Int32(program.count) }
        case let .repeated(inner, min, max):
            for _ in 0..<min { try emit(inner) }
            if let max {
                var exits: [Int] = []
                for _ in min..<max {
                    exits.append(program.count)
                    append(Instruction(.split, Int32(program.count + 1), 0))
                    try emit(inner)
                }
                for exit in exits { program[exit].b = Int32(program.count) }
            } else {
                let loop = program.count
                append(Instruction(.split, Int32(loop + 1), 0))
                try emit(inner)
                append(Instruction(.jump, Int32(loop)))
                program[loop].b = Int32(program.count)
            }
        }
        try check()
    }
}
