/// A length of time in whole seconds, written as `90m`, `8h`, `7d`, `2w` or a
/// combination such as `1d12h`. Seconds are not accepted: no access is granted
/// for less than a minute, and a bare number is ambiguous.
public struct TimeSpan: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    /// The lengths a store may hold: none is negative, and none is longer
    /// than about 31,700 years (the longest `1d12h`-style text parses to
    /// about 19,000). Any length in this range can be added to a stored time,
    /// multiplied by a small factor or summed over many extensions without
    /// overflowing; a stored length outside it is refused as unreadable.
    public static let storable = 0...1_000_000_000_000

    /// Refuses a length outside `storable`, whichever decoder reads it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let seconds = try container.decode(Int.self, forKey: .seconds)
        guard Self.storable.contains(seconds) else {
            throw DecodingError.dataCorruptedError(forKey: .seconds, in: container,
                                                   debugDescription: "a length of \(seconds) seconds is outside what a store holds")
        }
        self.seconds = seconds
    }

    private enum CodingKeys: String, CodingKey { case seconds }

    /// The sum, saturating instead of overflowing (a grant's length after
    /// its extensions, each read from the store).
    public func adding(_ other: TimeSpan) -> TimeSpan {
        let (sum, overflow) = seconds.addingReportingOverflow(other.seconds)
        return TimeSpan(seconds: overflow ? (other.seconds < 0 ? .min : .max) : sum)
    }

    public static func minutes(_ n: Int) -> TimeSpan { TimeSpan(seconds: n * 60) }
    public static func hours(_ n: Int) -> TimeSpan { TimeSpan(seconds: n * 3600) }
    public static func days(_ n: Int) -> TimeSpan { TimeSpan(seconds: n * 86_400) }

    static let units: [(Character, Int)] = [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)]

    /// Parses `1d12h`-style text; nil when it is not of that form or not positive.
    public init?(parsing text: String) {
        var total = 0
        var digits = ""
        var sawUnit = false
        var lastUnitIndex = -1
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                if digits.count > 6 { return nil }
            } else if let index = TimeSpan.units.firstIndex(where: { $0.0 == character }) {
                guard let n = Int(digits), index > lastUnitIndex else { return nil }
                total += n * TimeSpan.units[index].1
                digits = ""
                sawUnit = true
                lastUnitIndex = index
            } else {
                return nil
            }
        }
        guard digits.isEmpty, sawUnit, total > 0 else { return nil }
        self.seconds = total
    }

    public static let syntaxHint = "write a positive length such as 30m, 8h, 7d, 2w or 1d12h, at most six digits to a unit"

    /// An exact spelling people read easily: whole weeks as `2w`, otherwise
    /// days, hours and minutes (`30d`, `1d12h`, `90m` as `1h30m`).
    public var description: String {
        guard seconds > 0 else { return "0m" }
        if seconds % 604_800 == 0 { return "\(seconds / 604_800)w" }
        var rest = seconds
        var text = ""
        for (unit, size) in TimeSpan.units.dropFirst() where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        if rest > 0 { text += "\(rest)s" }
        return text
    }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.seconds < rhs.seconds }
}
