import Foundation
import Testing
@testable import SignoffCore

/// Names hold no character nobody can see: `dave` and `dave\u{200B}` would be
/// two people who read as one.
@Suite("Plain names")
struct PlainNameTests {
    @Test func theSkeletonDropsDefaultIgnorables() {
        #expect(Confusables.skeleton("dave\u{200B}") == Confusables.skeleton("dave"))
        #expect(Confusables.skeleton("fr\u{AD}ank") == Confusables.skeleton("frank"))
        #expect(Confusables.areConfusable("dave", "dave\u{200B}"))
        #expect(Confusables.lookalikes(among: ["frank", "fr\u{AD}ank", "sam"]) == [["frank", "fr\u{AD}ank"]])
    }

    @Test(arguments: ["\u{200B}", "\u{AD}", "\u{202E}", "\u{2066}", "\u{FEFF}", "\u{2060}", "\u{1B}", "\u{85}", "\u{A0}",
                      "\u{E000}", "\u{180E}"])
    func invisibleCharactersAreRefusedInNames(_ invisible: String) {
        #expect(PlainName.problem(in: "da\(invisible)ve") != nil, "U+\(DisplaySafe.hex(invisible.unicodeScalars.first!.value, digits: 4))")
    }

    @Test func visibleNamesAreFine() {
        for name in ["dave", "Jos\u{E9}", "Jose\u{301}", "Dave Smith", "svc-ledger_01", "Zoë", "田中", "\u{212A}afka"] {
            #expect(PlainName.problem(in: name) == nil, "\(name)")
        }
    }

    static let places: [(String, String)] = [
        ("person", "directory:\n  people: [root, dave, \"da\\u200Bve\"]\n"),
        ("person key", "directory:\n  people:\n    root: {}\n    dave: {}\n    \"fr\\u00ADank\": {}\n"),
        ("group", "directory:\n  people: [root, dave]\n  groups:\n    \"ops\\u2060\": [dave]\n"),
        ("rotation", "directory:\n  people: [root, dave]\n  rotations:\n    \"oncall\\u202E\": {members: [dave], start: 2026-01-05, every: 1w}\n"),
        ("account", "directory:\n  people: [root, dave]\n  accounts: [\"prov\\uFEFF\"]\n"),
        ("agent", "directory:\n  people: [root, dave]\n  intake_agents: [\"jira\\u200C\"]\n"),
    ]

    @Test func policyNamesWithInvisibleCharactersAreRefusedWhereTheyAre() {
        for (what, directory) in Self.places {
            let source = "policy: p\n" + directory + "catalogue:\n  db: {owners: [dave], environments: [prod], entitlements: [read], max_duration: 1d}\nroute:\n  - {name: r, steps: [{approvers: owners, count: 1}]}\n"
            do {
                _ = try Policy.parse(source: source, file: "p.yaml")
                Issue.record("\(what) with an invisible character was accepted")
            } catch {
                #expect(error.errors.contains { $0.position != nil && $0.message.contains("holds U+") }, "\(what): \(error)")
            }
        }
        for catalogue in ["\"d\\u200Bb\": {owners: [dave], environments: [prod], entitlements: [read], max_duration: 1d}",
                          "db: {owners: [dave], environments: [\"prod\\u200B\"], entitlements: [read], max_duration: 1d}",
                          "db: {owners: [dave], environments: [prod], entitlements: [\"read\\u00AD\"], max_duration: 1d}"] {
            let source = "policy: p\ndirectory:\n  people: [dave]\ncatalogue:\n  \(catalogue)\nroute:\n  - {name: r, steps: [{approvers: owners, count: 1}]}\n"
            #expect(throws: SourceErrors.self, "\(catalogue)") { try Policy.parse(source: source, file: "p.yaml") }
        }
    }

    @Test func requestPeopleWithInvisibleCharactersAreRefused() {
        for (field, text) in [("requester", "requester: \"dave\\u200B\"\nsubject: {kind: service_account, name: svc, owner: dave}\n"),
                              ("subject.owner", "subject: {kind: service_account, name: svc, owner: \"fr\\u00ADank\"}\n")] {
            let request = text + "system: db\nenvironment: prod\nentitlement: read\naccess: read\npurpose: reads the ledger for the report\nduration: 1h\n"
            do {
                _ = try RequestFile.parse(text: request, file: "r.yaml", policy: nil)
                Issue.record("\(field) with an invisible character was accepted")
            } catch {
                #expect(error.errors.first?.field == field)
                #expect(error.errors.first?.message.contains("person's name holds U+") == true, "\(error)")
            }
        }
    }
}
