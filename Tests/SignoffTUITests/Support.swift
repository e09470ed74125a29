import Foundation
import SignoffCore
import Testing
@testable import SignoffTUI

/// One character per role, so a grid of roles reads like a map.
let roleLegend: [Role: Character] = [
    .normal: " ", .dim: ".", .title: "T", .header: "H", .border: "#", .selection: "S", .selectionUnfocused: "s",
    .statusBar: "=", .footer: "_", .footerKey: "K", .label: "L", .value: "v", .pending: "p", .approved: "A",
    .denied: "D", .blocked: "b", .breakGlass: "!", .riskHigh: "R", .riskMedium: "r", .match: "M",
    .failedSearch: "F", .error: "E", .warning: "W", .success: "+", .input: "I", .placeholder: "?", .asserted: "@",
]

extension Grid {
    /// Text lines framed with `|` so trailing spaces survive in the test source.
    var framed: String { lines.map { "|\($0)|" }.joined(separator: "\n") }

    /// One legend character per cell, continuation cells included.
    var roleMap: String {
        (0..<size.height).map { y in
            String((0..<size.width).map { x in roleLegend[self[x, y].role]! })
        }.joined(separator: "\n")
    }
}

/// What must hold for every frame, whatever the input: the user would notice a
/// broken border or a terminal taken over by an escape sequence.
func expectWellFormed(_ grid: Grid, sourceLocation: SourceLocation = #_sourceLocation) {
    for (y, line) in grid.lines.enumerated() {
        #expect(CharacterWidth.of(line) == grid.size.width, "line \(y) is \(CharacterWidth.of(line)) columns",
                sourceLocation: sourceLocation)
    }
    for cell in grid.cells {
        for scalar in cell.text.unicodeScalars {
            #expect(!DisplaySafe.isUnsafe(scalar), "unsafe U+\(String(scalar.value, radix: 16)) in a cell",
                    sourceLocation: sourceLocation)
        }
    }
}

/// Right borders (`│`/`|`) of boxes stay in one column on every line that has one.
func borderColumns(_ grid: Grid, glyphs: Glyphs) -> Set<Int> {
    var columns = Set<Int>()
    for y in 0..<grid.size.height {
        for x in 0..<grid.size.width where grid[x, y].text == glyphs.vertical && grid[x, y].role == .border {
            columns.insert(x)
        }
    }
    return columns
}

let now = ConsoleFixtures.epoch

/// A small, hand-made set of requests covering every state and the hostile inputs.
enum Sample {
    static let hostilePurpose = "drop \u{1B}[2J\u{1B}]0;pwned\u{07} tables \u{202E}doc.exe\u{202C} and\u{200B}hide " +
        String(repeating: "very long purpose ", count: 112)

    static func row(_ id: String, state: RequestState = .pending, kind: IdentityKind = .serviceAccount,
                    subject: String = "etl-nightly", system: String = "payments-db", environment: String = "production",
                    entitlement: String = "db:write", access: AccessLevel = .write, duration: TimeSpan = .hours(8),
                    purpose: String = "monthly reconciliation", requester: String = "bob", age: TimeInterval = 3600,
                    breakGlass: Bool = false, mine: Bool = true, approvals: Int = 0, needed: Int = 1,
                    decidedAgo: TimeInterval? = nil, version: Int = 1) -> ConsoleRow {
        ConsoleRow(id: id, state: state, version: version, subjectKind: kind, subjectName: subject, owner: "carol",
                   system: system, environment: environment, entitlement: entitlement, scope: "schema ledger",
                   access: access, duration: duration, purpose: purpose, ticket: "OPS-42", requester: requester,
                   submittedAt: now.addingTimeInterval(-age), breakGlass: breakGlass,
                   incident: breakGlass ? "INC-7" : nil, mineNow: mine, routedTo: "owners of \(system)",
                   approvals: approvals, approvalsNeeded: needed,
                   decidedAt: decidedAgo.map { now.addingTimeInterval(-$0) },
                   decidedBy: decidedAgo == nil ? [] : ["dave"])
    }

    static var rows: [ConsoleRow] {
        [
            row("REQ-000001", subject: "etl-nightly", age: 7200),
            row("REQ-000002", kind: .human, subject: "dave", environment: "staging", entitlement: "logs:read",
                access: .read, age: 600),
            row("REQ-000003", subject: "ops-agent", entitlement: "db:admin", access: .admin, duration: .hours(4),
                age: 60, breakGlass: true),
            row("REQ-000004", kind: .aiAgent, subject: "数据同步-エージェント", system: "ledger-api",
                entitlement: "deploy 🚀 prod", age: 1800, mine: false, approvals: 1, needed: 2),
            row("REQ-000005", kind: .apiKey, subject: "e\u{301}\u{302}cole-key", entitlement: "secrets:read",
                purpose: hostilePurpose, requester: "\u{1B}[31mmallory", age: 900),
            row("REQ-000006", subject: "evil\u{202E}gnp.exe\u{200D}" + String(repeating: "x", count: 2000),
                entitlement: String(repeating: "wide字", count: 400), age: 300, mine: false),
            row("REQ-000007", state: .approved, subject: "report-bot", age: 86_400, mine: false, approvals: 1,
                decidedAgo: 3600),
            row("REQ-000008", state: .denied, subject: "ci-runner", age: 90_000, mine: false, decidedAgo: 7200),
        ]
    }

    static func snapshot(identity: Principal = ConsoleFixtures.me, rows: [ConsoleRow] = rows, token: Int64 = 1,
                         grants: [ConsoleGrantRow] = [], findings: [ConsoleFindingRow] = ConsoleFixtures.findings(now: now)) -> ConsoleSnapshot {
        ConsoleSnapshot(identity: identity, storePath: "data/approvals.db", policyVersion: ConsoleFixtures.policyVersion,
                        minimumRationale: 10, changeToken: token, rows: rows, grants: grants, findings: findings)
    }

    /// The fixture grants (one ending soon, one unprovisioned for two days, one
    /// expired but not removed, one lasting a week, a self-activated break-glass
    /// grant with an overdue review), plus a hostile one.
    static var grants: [ConsoleGrantRow] {
        var hostile = ConsoleFixtures.grants(now: now)[1]
        hostile.grant.requestID = "REQ-900006"
        hostile.grant.terms.subject.name = "evil\u{1B}]0;pwned\u{07}\u{202E}gnp.exe"
        hostile.grant.expiresAt = now.addingTimeInterval(3 * 86_400)
        return ConsoleFixtures.grants(now: now) + [hostile]
    }

    /// A model with the sample requests and grants.
    static func grantModel(size: Size = Size(width: 120, height: 30), glyphs: Glyphs = .unicode) -> ConsoleModel {
        var model = ConsoleModel(size: size, glyphs: glyphs, now: now)
        feed(&model, .snapshotLoaded(snapshot(grants: grants)))
        return model
    }

    static func detail(_ row: ConsoleRow) -> ConsoleDetail {
        var detail = ConsoleFixtures.detail(for: row)
        detail.record.request.notes = row.id == "REQ-000005" ? "line one\nline two \u{1B}[0m" : nil
        return detail
    }

    /// A model with the sample snapshot and the selected detail loaded.
    static func model(size: Size = Size(width: 100, height: 30), glyphs: Glyphs = .unicode,
                      identity: Principal = ConsoleFixtures.me) -> ConsoleModel {
        var model = ConsoleModel(size: size, glyphs: glyphs, now: now)
        feed(&model, .snapshotLoaded(snapshot(identity: identity)))
        return model
    }
}

/// Applies a message and, like the loop, answers detail loads from the samples.
@discardableResult
func feed(_ model: inout ConsoleModel, _ message: Message) -> [Effect] {
    let effects = update(&model, message)
    var others: [Effect] = []
    for effect in effects {
        if case let .loadDetail(id) = effect, let row = model.rows.first(where: { $0.id == id }) {
            _ = update(&model, .detailLoaded(Sample.detail(row)))
        } else if case let .loadDetail(id) = effect, let grant = model.grants.first(where: { $0.id == id })?.grant {
            // A grant whose request the snapshot does not hold, as in the fixtures.
            _ = update(&model, .detailLoaded(ConsoleFixtures.detail(for: ConsoleFixtures.row(for: grant),
                                                                    selfActivated: grant.selfActivated)))
        } else {
            others.append(effect)
        }
    }
    return others
}

@discardableResult
func press(_ model: inout ConsoleModel, _ keys: Key...) -> [Effect] {
    var effects: [Effect] = []
    for key in keys { effects += feed(&model, .key(key)) }
    return effects
}

func type(_ model: inout ConsoleModel, _ text: String) {
    for character in text { feed(&model, .key(.character(character))) }
}

/// Where the snapshots live: one file per `SnapshotCase`, its text framed
/// with `|` (trailing spaces survive) and, after `--- roles`, its role map.
let snapshotDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

/// Renders the named `SnapshotCase` and compares it with its file. With
/// `SIGNOFF_RECORD_SNAPSHOTS=1` the file is written instead: review the change
/// with `git diff` before committing it. On a mismatch the rendering is
/// written next to the test run's temporary files, and each differing line named.
func expectSnapshot(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let snapshotCase = SnapshotCase.all.first(where: { $0.name == name }) else {
        Issue.record("no snapshot case \(name)", sourceLocation: sourceLocation)
        return
    }
    let grid = snapshotCase.render()
    expectWellFormed(grid, sourceLocation: sourceLocation)
    let actual = grid.framed + "\n--- roles\n" + grid.roleMap + "\n"
    let file = snapshotDirectory.appendingPathComponent("\(name).txt")
    if ProcessInfo.processInfo.environment["SIGNOFF_RECORD_SNAPSHOTS"] == "1" {
        try? actual.write(to: file, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record("no snapshot file \(file.lastPathComponent); record it with SIGNOFF_RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
        return
    }
    guard actual != expected else { return }
    let got = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).actual.txt")
    try? actual.write(to: got, atomically: true, encoding: .utf8)
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(actualLines.count == expectedLines.count, "\(name): line count; rendering in \(got.path)", sourceLocation: sourceLocation)
    for (index, (line, wanted)) in zip(actualLines, expectedLines).enumerated() where line != wanted {
        Issue.record("\(name) line \(index + 1):\n  got      \(line)\n  expected \(wanted)", sourceLocation: sourceLocation)
    }
}

extension Glyphs: CustomTestStringConvertible {
    public var testDescription: String { textStyle == .ascii ? "ascii" : "unicode" }
}
