import Foundation

/// Finds credentials pasted into request fields. Tickets and request files are
/// a common place for secrets to leak (a token pasted "so the approver can
/// check it"); once in the store a secret is in the evidence for ever, copied
/// to every backup and export. So a field that looks like one is refused, and
/// the refusal names the field, the kind and where in the field it is, never
/// the value: messages, events and logs must not become a second leak.
///
/// What is recognised: AWS access key ids, GitHub tokens (classic and
/// fine-grained), GitLab tokens, Slack tokens and webhook addresses, private
/// key blocks, JSON Web Tokens, and a high-entropy value written right after
/// "password", "token" or "secret" (and their usual spellings).
public enum SecretScan {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case awsAccessKey = "aws_access_key"
        case githubToken = "github_token"
        case gitlabToken = "gitlab_token"
        case slackToken = "slack_token"
        case slackWebhook = "slack_webhook"
        case privateKey = "private_key"
        case jwt
        case keywordValue = "keyword_value"

        /// Words for people.
        public var label: String {
            switch self {
            case .awsAccessKey: "an AWS access key"
            case .githubToken: "a GitHub token"
            case .gitlabToken: "a GitLab token"
            case .slackToken: "a Slack token"
            case .slackWebhook: "a Slack webhook address"
            case .privateKey: "a private key"
            case .jwt: "a JSON Web Token"
            case .keywordValue: "a password, token or secret value"
            }
        }
    }

    /// One credential-like value: which field, what kind, and where (in
    /// characters of the field, 1-based, as an editor counts columns).
    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        public var field: String
        public var kind: Kind
        /// Character offset of the first character, 1-based.
        public var start: Int
        public var length: Int

        public init(field: String, kind: Kind, start: Int, length: Int) {
            self.field = field
            self.kind = kind
            self.start = start
            self.length = length
        }

        /// Never the value: the field, the kind, and the characters it spans.
        public var description: String {
            "\(field): characters \(start)–\(start + length - 1) look like \(kind.label)"
        }
    }

    /// The first credential-like value in `text`, or nil.
    public static func scan(_ text: String, field: String) -> Finding? {
        // Most fields hold none of the marks every credential starts with:
        // they are passed without being copied out as scalars.
        var text = text
        guard text.withUTF8(mayHoldCredential) else { return nil }
        return scanScalars(text, field: field)
    }

    /// `scan` without the quick look first (which the tests compare it with).
    static func scanScalars(_ text: String, field: String) -> Finding? {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 8 else { return nil }
        // Recognisable tokens first, wherever they are; then values after a keyword.
        for index in scalars.indices {
            if let (kind, length) = token(scalars, at: index) {
                return Finding(field: field, kind: kind, start: index + 1, length: length)
            }
        }
        for index in scalars.indices {
            if let (kind, length) = keyword(scalars, at: index) {
                return Finding(field: field, kind: kind, start: index + 1, length: length)
            }
        }
        return nil
    }

    /// Every field of a request that holds a credential-like value, one finding per field.
    public static func findings(in request: AccessRequest) -> [Finding] {
        var result: [Finding] = []
        // A field's name is made only for a value the quick look cannot pass.
        func check(_ value: String?, _ field: @autoclosure () -> String) {
            guard var text = value, text.withUTF8(mayHoldCredential) else { return }
            let field = field()
            guard !result.contains(where: { $0.field == field }), let finding = scanScalars(text, field: field) else { return }
            result.append(finding)
        }
        check(request.requester, "requester")
        check(request.subject.name, "subject.name")
        check(request.subject.owner, "subject.owner")
        check(request.system, "system")
        check(request.environment, "environment")
        check(request.entitlement, "entitlement")
        check(request.scope, "scope")
        check(request.purpose, "purpose")
        check(request.ticket, "ticket")
        check(request.incident, "incident")
        check(request.notes, "notes")
        for (index, trigger) in request.revocationTriggers.enumerated() {
            check(trigger.ref, "revocation_triggers[\(index)].ref")
        }
        for key in request.labels.keys.sorted() {
            check(key, "labels.\(key)")
            check(request.labels[key], "labels.\(key)")
        }
        return result
    }

    // MARK: Matching

    /// Whether `bytes` (UTF-8) hold anything `scanScalars` could match: a
    /// weaker test of the same marks, so false only where it finds nothing.
    /// Every pattern is ASCII, and a byte of a longer character matches none
    /// of it, as its scalar does not.
    static func mayHoldCredential(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // Fewer bytes than eight means fewer scalars: too short for any.
        guard bytes.count >= 8 else { return false }
        func at(_ i: Int, _ mark: StaticString) -> Bool {
            guard i + mark.utf8CodeUnitCount <= bytes.count else { return false }
            for k in 0..<mark.utf8CodeUnitCount where bytes[i + k] != mark.utf8Start[k] { return false }
            return true
        }
        let keywords = keywordBytes
        return byteClasses.withUnsafeBufferPointer { classes in
            var upperOrDigitRun = 0
            for i in bytes.indices {
                let b = bytes[i]
                let marks = classes[Int(b)]
                // An AWS key id: twenty upper-case letters or digits in a row.
                if marks & ByteClass.upperOrDigit != 0 {
                    upperOrDigitRun += 1
                    if upperOrDigitRun >= 20 { return true }
                } else {
                    upperOrDigitRun = 0
                }
                // Most bytes start no mark and no keyword.
                if marks & (ByteClass.tokenStart | ByteClass.keywordStart) == 0 { continue }
                switch b {
                case UInt8(ascii: "g"):
                    if at(i, "gh") || at(i, "github_pat_") || at(i, "gl") { return true }  // GitHub, GitLab
                case UInt8(ascii: "x"):
                    if at(i, "xo") || at(i, "xa") { return true }  // Slack tokens
                case UInt8(ascii: "h"):
                    if at(i, "https://hooks") { return true }
                case UInt8(ascii: "-"):
                    if at(i, "-----BEGIN ") { return true }
                case UInt8(ascii: "e"):
                    if at(i, "eyJ") { return true }
                default:
                    break
                }
                // A keyword, in any case, wherever it is.
                guard marks & ByteClass.keywordStart != 0 else { continue }
                for word in keywords where word[0] == b | 0x20 && i + word.count <= bytes.count {
                    var k = 1
                    while k < word.count, lowerASCII(bytes[i + k]) == word[k] { k += 1 }
                    if k == word.count { return true }
                }
            }
            return false
        }
    }

    private static func lowerASCII(_ c: UInt8) -> UInt8 { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c) ? c + 32 : c }

    /// What each byte may be the start or part of, for the quick look.
    private enum ByteClass {
        /// A-Z and 0-9, which an AWS key id is made of.
        static let upperOrDigit: UInt8 = 1
        /// The first byte of a token's mark: g, x, h, - and e.
        static let tokenStart: UInt8 = 2
        /// The first letter of a keyword, in either case.
        static let keywordStart: UInt8 = 4
    }

    private static let byteClasses: [UInt8] = {
        var classes = [UInt8](repeating: 0, count: 256)
        for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { classes[Int(b)] |= ByteClass.upperOrDigit }
        for b in UInt8(ascii: "0")...UInt8(ascii: "9") { classes[Int(b)] |= ByteClass.upperOrDigit }
        for b in "gxh-e".utf8 { classes[Int(b)] |= ByteClass.tokenStart }
        for word in keywordBytes {
            classes[Int(word[0])] |= ByteClass.keywordStart
            classes[Int(word[0] - 32)] |= ByteClass.keywordStart
        }
        return classes
    }()

    private static func token(_ s: [Unicode.Scalar], at i: Int) -> (Kind, Int)? {
        let c = s[i]
        // Tokens start at a word boundary: `xAKIA...` is not a key id.
        if i > 0, isTokenCharacter(s[i - 1]), c != "-" { return nil }
        switch c {
        case "A":
            if let length = awsKey(s, at: i) { return (.awsAccessKey, length) }
        case "g":
            if let length = github(s, at: i) { return (.githubToken, length) }
            if let length = gitlab(s, at: i) { return (.gitlabToken, length) }
        case "x":
            if let length = slackToken(s, at: i) { return (.slackToken, length) }
        case "h":
            if let length = prefixed(s, at: i, "https://hooks.slack.com/services/", minimum: 20, allowed: isURLPathCharacter) {
                return (.slackWebhook, length)
            }
        case "-":
            if let length = privateKey(s, at: i) { return (.privateKey, length) }
        case "e":
            if let length = jwt(s, at: i) { return (.jwt, length) }
        default:
            break
        }
        return nil
    }

    private static func isUpperOrDigit(_ c: Unicode.Scalar) -> Bool { ("A"..."Z").contains(c) || ("0"..."9").contains(c) }
    private static func isAlnum(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }
    private static func isTokenCharacter(_ c: Unicode.Scalar) -> Bool { isAlnum(c) || c == "_" || c == "-" }
    private static func isBase64URL(_ c: Unicode.Scalar) -> Bool { isAlnum(c) || c == "_" || c == "-" }
    private static func isURLPathCharacter(_ c: Unicode.Scalar) -> Bool { isAlnum(c) || c == "/" || c == "_" || c == "-" }

    private static func has(_ s: [Unicode.Scalar], _ prefix: String, at i: Int) -> Bool {
        var k = i
        for p in prefix.unicodeScalars {
            guard k < s.count, s[k] == p else { return false }
            k += 1
        }
        return true
    }

    /// `prefix` then at least `minimum` allowed characters, ending at a boundary.
    private static func prefixed(_ s: [Unicode.Scalar], at i: Int, _ prefix: String, minimum: Int,
                                 allowed: (Unicode.Scalar) -> Bool = isTokenCharacter) -> Int? {
        guard has(s, prefix, at: i) else { return nil }
        let bodyStart = i + prefix.unicodeScalars.count
        var k = bodyStart
        while k < s.count, allowed(s[k]) { k += 1 }
        return k - bodyStart >= minimum ? k - i : nil
    }

    /// AKIA, ASIA, ABIA, ACCA or A3T? then sixteen upper-case letters or digits.
    private static func awsKey(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        guard i + 20 <= s.count else { return nil }
        let four = String(String.UnicodeScalarView(s[i..<(i + 4)]))
        guard ["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "APKA"].contains(four)
              || (four.hasPrefix("A3T") && isUpperOrDigit(s[i + 3])) else { return nil }
        guard s[(i + 4)..<(i + 20)].allSatisfy(isUpperOrDigit) else { return nil }
        if i + 20 < s.count, isAlnum(s[i + 20]) { return nil }
        // Sixteen characters of the same letter are a placeholder, not a key.
        return Set(s[(i + 4)..<(i + 20)]).count > 3 ? 20 : nil
    }

    private static func github(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            if let length = prefixed(s, at: i, prefix, minimum: 30, allowed: isAlnum) { return length }
        }
        return prefixed(s, at: i, "github_pat_", minimum: 22, allowed: { isAlnum($0) || $0 == "_" })
    }

    private static func gitlab(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        for prefix in ["glpat-", "gldt-", "glrt-", "glptt-", "gloas-", "glcbt-", "glft-", "glimt-", "glsoat-"] {
            if let length = prefixed(s, at: i, prefix, minimum: 20) { return length }
        }
        return nil
    }

    private static func slackToken(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        for prefix in ["xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxr-", "xoxs-", "xoxe-", "xapp-"] {
            if let length = prefixed(s, at: i, prefix, minimum: 10) { return length }
        }
        return nil
    }

    /// `-----BEGIN ... PRIVATE KEY-----` (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ... BLOCK).
    private static func privateKey(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        guard has(s, "-----BEGIN ", at: i) else { return nil }
        var k = i + 11
        while k < s.count, k - i < 60, ("A"..."Z").contains(s[k]) || s[k] == " " { k += 1 }
        let label = String(String.UnicodeScalarView(s[(i + 11)..<k]))
        guard label.contains("PRIVATE KEY"), has(s, "-----", at: k) else { return nil }
        // The block runs to its END line, or to the end of the field.
        var end = k + 5
        while end < s.count, !has(s, "-----END", at: end) { end += 1 }
        if end < s.count {
            end += 8
            while end < s.count, s[end] != "\n" { end += 1 }
        }
        return end - i
    }

    /// Three base64url segments, the first two JSON objects (`eyJ` is `{"`).
    private static func jwt(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        guard has(s, "eyJ", at: i) else { return nil }
        var k = i
        var segments: [Int] = [0]
        while k < s.count, isBase64URL(s[k]) || s[k] == "." {
            if s[k] == "." { segments.append(0) } else { segments[segments.count - 1] += 1 }
            k += 1
        }
        guard segments.count == 3, segments[0] >= 10, segments[1] >= 10, segments[2] >= 16 || segments[2] == 0,
              has(s, "eyJ", at: i + segments[0] + 1) else { return nil }
        return k - i
    }

    /// The words after which a value is a credential if it looks random.
    private static let keywords = ["password", "passwd", "pwd", "passphrase", "secret", "token", "api_key", "apikey",
                                   "api-key", "access_key", "private_key", "client_secret"]
    /// The same, as scalars once: every field of every request is matched against them.
    private static let keywordScalars = keywords.map { Array($0.unicodeScalars) }
    private static let keywordBytes = keywords.map { Array($0.utf8) }

    /// `password: Tr0ub4dor&3`, `token=9f86d081884c7d659a2f...`, `secret is x8#kQ...`.
    private static func keyword(_ s: [Unicode.Scalar], at i: Int) -> (Kind, Int)? {
        // A keyword starts a word: `mytoken` is not `token`.
        if i > 0, isAlnum(s[i - 1]) { return nil }
        switch lower(s[i]) {
        case "p", "s", "t", "a", "c": break
        default: return nil
        }
        var matched: Int?
        for word in keywordScalars {
            var k = i
            var ok = true
            for w in word {
                guard k < s.count, lower(s[k]) == w else { ok = false; break }
                k += 1
            }
            if ok { matched = k; break }
        }
        guard var k = matched else { return nil }
        // The rest of the word (`tokens`, `secret_key`, `password2`) belongs to the keyword.
        while k < s.count, isTokenCharacter(s[k]) { k += 1 }
        // The separator: `:`, `=`, `:=`, `=>`, `is`, or plain spaces, maybe with quotes.
        var explicit = false
        while k < s.count, s[k] == " " || s[k] == "\t" { k += 1 }
        if k < s.count, s[k] == ":" || s[k] == "=" {
            explicit = true
            k += 1
            if k < s.count, s[k] == "=" || s[k] == ">" { k += 1 }
        } else if k + 2 < s.count, lower(s[k]) == "i", lower(s[k + 1]) == "s", s[k + 2] == " " {
            explicit = true
            k += 2
        }
        while k < s.count, s[k] == " " || s[k] == "\t" || s[k] == "\"" || s[k] == "'" || s[k] == "`" { k += 1 }
        let valueStart = k
        while k < s.count, !isSpace(s[k]), s[k] != "\"", s[k] != "'", s[k] != "`" { k += 1 }
        var valueEnd = k
        // Sentence punctuation after a value is not part of it.
        while valueEnd > valueStart, [",", ".", ";", ")", "]"].contains(s[valueEnd - 1]) { valueEnd -= 1 }
        let value = Array(s[valueStart..<valueEnd])
        guard looksRandom(value, explicit: explicit) else { return nil }
        return (.keywordValue, valueEnd - i)
    }

    private static func lower(_ c: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32)! : c
    }

    private static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }

    /// Random enough to be a credential: letters mixed with digits (or with
    /// symbols), and high Shannon entropy. Words and names (`production`,
    /// `svc-ledger-etl`) have one class of character or low entropy.
    static func looksRandom(_ value: [Unicode.Scalar], explicit: Bool) -> Bool {
        let minimum = explicit ? 8 : 16
        guard value.count >= minimum, value.count <= 512 else { return false }
        var lowerCount = 0, upperCount = 0, digits = 0, symbols = 0
        var counts: [Unicode.Scalar: Int] = [:]
        for c in value {
            if ("a"..."z").contains(c) {
                lowerCount += 1
            } else if ("A"..."Z").contains(c) {
                upperCount += 1
            } else if ("0"..."9").contains(c) {
                digits += 1
            } else {
                symbols += 1
            }
            counts[c, default: 0] += 1
        }
        let letters = lowerCount + upperCount
        guard letters > 0, digits > 0 || (symbols > 0 && upperCount > 0 && lowerCount > 0) else { return false }
        // An identifier made of words and one number (`payments-db-2`) is not random.
        if digits > 0, digits <= 2, symbols > 0, upperCount == 0 { return false }
        var entropy = 0.0
        let total = Double(value.count)
        for (_, n) in counts {
            let p = Double(n) / total
            entropy -= p * log2(p)
        }
        return entropy >= (explicit ? 2.8 : 3.5)
    }
}
