import Foundation

/// The date and time spellings Jira uses. REST and webhooks write
/// `2019-08-27T12:43:24.193-0700` (an offset without a colon), some custom
/// fields and older add-ons write `2019-08-27 19:43:24.193` (no zone at all)
/// or Java's `Tue Jul 30 22:06:22 UTC 2019`, date pickers write `2019-08-12`,
/// and webhook timestamps are epoch milliseconds, as numbers or as text.
///
/// A time without a zone means the site's zone, which the mapping file names
/// (Jira never says it); nothing here guesses the zone of the machine.
public enum JiraDate {
    /// Parses any of the spellings above; nil when the text is none of them.
    public static func parse(_ text: String, zone: TimeZone) -> Date? {
        let bytes = Array(text.utf8)
        if !bytes.isEmpty, bytes.count <= 16, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let ms = Int64(text) {
            return epochMilliseconds(ms)
        }
        if let date = parseISO(bytes, zone: zone) { return date }
        return parseJavaString(text)
    }

    /// A JSON value that is a date: text in one of the spellings, or a number of epoch milliseconds.
    public static func parse(_ value: JSONValue, zone: TimeZone) -> Date? {
        switch value.kind {
        case .number: return value.integerValue.flatMap(epochMilliseconds)
        case .string: return value.stringValue.flatMap { parse($0, zone: zone) }
        case .object, .array, .true, .false, .null: return nil
        }
    }

    /// Epoch milliseconds between 1970 and 9999, the years signoff accepts.
    static func epochMilliseconds(_ ms: Int64) -> Date? {
        guard ms >= 0, ms < 253_402_300_800_000 else { return nil }
        return Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    /// `YYYY-MM-DD`, then optionally `T` or a space, `HH:MM`, `:SS`, a fraction,
    /// and a zone: `Z`, `+HH`, `+HHMM` or `+HH:MM`.
    static func parseISO(_ b: [UInt8], zone: TimeZone) -> Date? {
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= b.count else { return nil }
            var value = 0
            for k in i..<(i + width) {
                guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
                value = value * 10 + Int(b[k] - 0x30)
            }
            i += width
            return value
        }
        func take(_ byte: UInt8) -> Bool {
            if i < b.count && b[i] == byte { i += 1; return true }
            return false
        }
        guard let year = number(4), take(UInt8(ascii: "-")), let month = number(2), take(UInt8(ascii: "-")),
              let day = number(2) else { return nil }
        guard (1970...9999).contains(year), (1...12).contains(month), (1...daysIn(month, year)).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        if i < b.count {
            guard take(UInt8(ascii: "T")) || take(UInt8(ascii: " ")) else { return nil }
            guard let h = number(2), take(UInt8(ascii: ":")), let m = number(2) else { return nil }
            hour = h; minute = m
            if take(UInt8(ascii: ":")) {
                guard let s = number(2) else { return nil }
                second = s
                if take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) {
                    var scale = 0.1
                    var digits = 0
                    while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                        fraction += Double(b[i] - 0x30) * scale
                        scale /= 10
                        i += 1
                        digits += 1
                    }
                    guard digits > 0 else { return nil }
                }
            }
            guard hour < 24, minute < 60, second < 60 else { return nil }
        }
        let local = Double(daysFromCivil(year, month, day)) * 86_400 + Double(hour * 3600 + minute * 60 + second) + fraction
        if i == b.count {
            // No zone: the site's.
            let guess = Date(timeIntervalSince1970: local)
            var offset = zone.secondsFromGMT(for: guess)
            offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: local - Double(offset)))
            return Date(timeIntervalSince1970: local - Double(offset))
        }
        if take(UInt8(ascii: "Z")) {
            return i == b.count ? Date(timeIntervalSince1970: local) : nil
        }
        let sign: Int
        if take(UInt8(ascii: "+")) { sign = 1 } else if take(UInt8(ascii: "-")) { sign = -1 } else { return nil }
        guard let offsetHours = number(2) else { return nil }
        var offsetMinutes = 0
        if i < b.count {
            _ = take(UInt8(ascii: ":"))
            guard let m = number(2) else { return nil }
            offsetMinutes = m
        }
        guard i == b.count, offsetHours <= 18, offsetMinutes < 60 else { return nil }
        return Date(timeIntervalSince1970: local - Double(sign * (offsetHours * 3600 + offsetMinutes * 60)))
    }

    /// Java's `Date.toString()`: `Tue Jul 30 22:06:22 UTC 2019`. Zone
    /// abbreviations are ambiguous (CST is three zones), so only UTC and GMT are read.
    static func parseJavaString(_ text: String) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 6, ["UTC", "GMT"].contains(parts[4]),
              let monthIndex = months.firstIndex(of: String(parts[1])), let day = Int(parts[2]), let year = Int(parts[5])
        else { return nil }
        let time = parts[3].split(separator: ":")
        guard time.count == 3, let h = Int(time[0]), let m = Int(time[1]), let s = Int(time[2]) else { return nil }
        let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", year, monthIndex + 1, day, h, m, s)
        return parseISO(Array(text.utf8), zone: TimeZone(identifier: "UTC")!)
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
