import Foundation
import SignoffCore
import SignoffStore

/// What a script waits for: `signoff list` and `signoff show` as whole
/// processes over a store of 100,000 requests, each against `sqlite3` reading
/// the same rows from the same file in the same run.
enum ReadBenchmarks {
    /// The columns a listed request carries, read the way signoff reads them
    /// (the covering index, in submission order): the floor's query.
    static let listColumns = """
        SELECT id, state, version, requester, submitted_by, subject_kind, subject_name, subject_owner, system,
               environment, entitlement, scope, access, duration_seconds, break_glass, incident, ticket, purpose,
               submitted_at, decided_at, extends, route, approvals, approvals_needed
        FROM requests INDEXED BY requests_summary ORDER BY submitted_sequence
        """

    static func run(store path: String, count: Int, quick: Bool) throws -> [Figure] {
        try Processes.requireSignoff()
        let sqlite3 = try Processes.sqlite3()
        let signoff = Processes.signoff
        let rounds = quick ? 1 : 3
        var figures: [Figure] = []
        let label = count.formatted()

        let floor = { try Processes.run(sqlite3, ["-json", path, listColumns]) }
        for (name, flags) in [("list --json", ["--json"]), ("list --jsonl", ["--jsonl"]), ("list (text)", [String]())] {
            let (list, sql) = try pair(rounds, { try Processes.run(signoff, ["list", "--store", path] + flags) }, floor)
            let ratio = list.seconds / sql.seconds
            figures.append(Figure(name: "\(name), \(label) requests", value: String(format: "%.2f s (%.2f×)", list.seconds, ratio),
                                  budget: "≤ 2× sqlite3 -json", met: quick ? nil : ratio <= 2))
            figures.append(Figure(name: "  sqlite3 -json, the same rows", value: String(format: "%.2f s", sql.seconds),
                                  budget: "(floor)", met: nil))
            let megabytes = Double(try Processes.peakBytes(signoff, ["list", "--store", path] + flags)) / 1_048_576
            figures.append(Figure(name: "  peak memory", value: String(format: "%.0f MB", megabytes), budget: "≤ 64 MB",
                                  met: quick ? nil : megabytes <= 64))
        }
        let first = try Processes.run(signoff, ["list", "--jsonl", "--store", path], firstByte: true)
        figures.append(Figure(name: "  list --jsonl, first line after", value: String(format: "%.1f ms", (first.firstByte ?? 0) * 1000),
                              budget: "", met: nil))

        let id = "REQ-\(max(1, count / 2))"
        let (show, help, rows) = try triple(rounds * 5,
            { try Processes.run(signoff, ["show", id, "--json", "--store", path]) },
            { try Processes.run(signoff, ["--help"]) },
            { try Processes.run(sqlite3, ["-json", path, "SELECT * FROM requests WHERE id = '\(id)'; SELECT * FROM events WHERE request_id = '\(id)' ORDER BY sequence"]) })
        let showFloor = help.seconds + rows.seconds
        let showRatio = show.seconds / showFloor
        figures.append(Figure(name: "show ID --json, \(label) requests", value: String(format: "%.1f ms (%.2f×)", show.seconds * 1000, showRatio),
                              budget: "≤ 2× the floor", met: quick ? nil : showRatio <= 2))
        figures.append(Figure(name: "  floor: signoff --help + sqlite3 row, events",
                              value: String(format: "%.1f ms + %.1f ms", help.seconds * 1000, rows.seconds * 1000),
                              budget: "(floor)", met: nil))
        return figures
    }

    static func pair(_ rounds: Int, _ a: @escaping () throws -> Processes.Run,
                     _ b: @escaping () throws -> Processes.Run) throws -> (Processes.Run, Processes.Run) {
        let runs = try Processes.medians(rounds: rounds, [a, b])
        return (runs[0], runs[1])
    }

    static func triple(_ rounds: Int, _ a: @escaping () throws -> Processes.Run, _ b: @escaping () throws -> Processes.Run,
                       _ c: @escaping () throws -> Processes.Run) throws -> (Processes.Run, Processes.Run, Processes.Run) {
        let runs = try Processes.medians(rounds: rounds, [a, b, c])
        return (runs[0], runs[1], runs[2])
    }
}
