import Foundation

/// Times as people and machines outside signoff read them.
public enum UTCTime {
    /// UTC with milliseconds, e.g. `2025-03-01T09:30:00.125Z`.
    public static func text(milliseconds: Int64) -> String { RFC3339.text(milliseconds: milliseconds) }

    /// `text(milliseconds:)` of a date, at the millisecond precision events are stored with.
    public static func text(_ date: Date) -> String { RFC3339.text(date) }
}
