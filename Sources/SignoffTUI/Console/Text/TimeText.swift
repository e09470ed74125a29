import Foundation

/// Times as the console shows them: absolute in UTC (the same on every
/// approver's screen and in the evidence) and ages relative to the model's clock.
enum TimeText {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `2026-03-01 09:30Z`
    static func absolute(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// The largest whole unit: `45s`, `12m`, `3h`, `5d`, `7w`.
    static func span(_ seconds: TimeInterval) -> String {
        let s = Int(max(0, seconds))
        switch s {
        case ..<60: return "\(s)s"
        case ..<3600: return "\(s / 60)m"
        case ..<86_400: return "\(s / 3600)h"
        case ..<(86_400 * 14): return "\(s / 86_400)d"
        default: return "\(s / 604_800)w"
        }
    }

    static func age(of date: Date, now: Date) -> String { span(now.timeIntervalSince(date)) }
}
