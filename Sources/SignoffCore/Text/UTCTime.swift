import Foundation

/// Times as people and machines outside signoff read them.
public enum UTCTime {
    /// UTC with milliseconds, e.g. `2025-03-01T09:30:00.125Z`.
    public static func text(milliseconds: Int64) -> String {
        let (quotient, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        var seconds = time_t(remainder < 0 ? quotient - 1 : quotient)
        let millis = remainder < 0 ? remainder + 1000 : remainder
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(Int(millis), 3))Z"
    }

    /// `text(milliseconds:)` of a date, at the millisecond precision events are stored with.
    public static func text(_ date: Date) -> String {
        text(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }
}
