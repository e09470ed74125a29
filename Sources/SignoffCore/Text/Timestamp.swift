import Foundation

/// ISO 8601 / RFC 3339 times, always with an explicit zone: a deadline that
/// depends on the reader's time zone is a bug waiting to happen. Parsed by
/// hand, strictly: every field is range-checked and years must be 1970–9999,
/// so nothing is silently moved (year 0000 read as 0001, a nine-digit year
/// wrapped around) on its way into the evidence.
public enum Timestamp {
    /// The years a time may name.
    public static let years = 1970...9999
    /// The first moment after the last year a time may name (10000-01-01T00:00:00Z).
    public static let endOfYears = Date(timeIntervalSince1970: 253_402_300_800)

    /// `2026-11-21T09:30:00Z`, `2026-11-21T09:30:00.250+01:00`; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        if case let .success(date) = read(text) { return date }
        return nil
    }

    /// The time, or why `text` is not one (for error messages).
    /// With `dateOnly`, a plain `2026-01-05` means midnight UTC.
    public static func read(_ text: String, dateOnly: Bool = false) -> Result<Date, TimestampError> {
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.digits(4), scanner.take("-"), let month = scanner.digits(2), scanner.take("-"),
              let day = scanner.digits(2) else {
            return .failure(TimestampError(text, "is not a time"))
        }
        if !years.contains(year) {
            return .failure(TimestampError(text, "names the year \(year), outside \(years.lowerBound)–\(years.upperBound)"))
        }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            return .failure(TimestampError(text, "is not a date in the calendar"))
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        if scanner.atEnd {
            guard dateOnly else { return .failure(TimestampError(text, "has no time of day and zone")) }
            return .success(Date(timeIntervalSince1970: TimeInterval(days * 86_400)))
        }
        guard scanner.take("T") || scanner.take("t"), let hour = scanner.digits(2), scanner.take(":"),
              let minute = scanner.digits(2), scanner.take(":"), let second = scanner.digits(2) else {
            return .failure(TimestampError(text, "is not a time"))
        }
        guard hour < 24, minute < 60, second < 60 else {
            return .failure(TimestampError(text, "is not a time of day"))
        }
        var milliseconds = 0
        if scanner.take(".") {
            var digits = 0, value = 0
            while let digit = scanner.digit() {
                if digits < 3 { value = value * 10 + digit }
                digits += 1
            }
            guard (1...9).contains(digits) else { return .failure(TimestampError(text, "has a malformed fraction of a second")) }
            // Kept to the millisecond, the store's precision: further digits are dropped.
            for _ in min(digits, 3)..<3 { value *= 10 }
            milliseconds = value
        }
        var offset = 0
        if scanner.take("Z") || scanner.take("z") {
            offset = 0
        } else if let sign = scanner.sign(), let hours = scanner.digits(2), scanner.take(":"), let minutes = scanner.digits(2),
                  hours < 24, minutes < 60 {
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return .failure(TimestampError(text, "has no zone (end it with Z or an offset such as +01:00)"))
        }
        guard scanner.atEnd else { return .failure(TimestampError(text, "has text after the time")) }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        guard seconds >= 0 else {
            return .failure(TimestampError(text, "is before 1970-01-01T00:00:00Z"))
        }
        return .success(Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(milliseconds) / 1000))
    }

    /// `2026-11-21T09:30:00Z`.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        if month == 2 { return isLeap(year) ? 29 : 28 }
        return [4, 6, 9, 11].contains(month) ? 30 : 31
    }

    /// Days from 1970-01-01 to the date, in the proleptic Gregorian calendar.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 else { return nil }
            index += 1
            return Int(bytes[index - 1] - 0x30)
        }

        mutating func digits(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }

        mutating func sign() -> Int? {
            if take("+") { return 1 }
            if take("-") { return -1 }
            return nil
        }
    }
}

/// Why a text is not a time signoff accepts.
public struct TimestampError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var problem: String
    init(_ text: String, _ problem: String) {
        self.text = text
        self.problem = problem
    }
    public var description: String { "\"\(text)\" \(problem)" }
    /// What a valid time looks like.
    public static let hint = "write an ISO 8601 time with a zone between 1970 and 9999, e.g. 2026-11-21T09:00:00Z"
}
