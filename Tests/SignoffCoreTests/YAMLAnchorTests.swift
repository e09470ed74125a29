import Foundation
import Testing
@testable import SignoffCore

/// Anchors and aliases are refused in every YAML file, before anything is
/// composed: a small file of nested aliases must not stand for billions of nodes.
@Suite("YAML anchors and aliases")
struct YAMLAnchorTests {
    /// Nine levels of ten aliases each: 10^9 conditions once expanded.
    static let bomb: String = {
        var levels = ["&c0 {environment: production}"]
        for level in 1...8 {
            levels.append("&c\(level) {any: [\(levels[level - 1]), " + Array(repeating: "*c\(level - 1)", count: 9).joined(separator: ", ") + "]}")
        }
        return """
            policy: bomb
            directory:
              people: [dave]
            catalogue:
              db: {owners: [dave], environments: [production], entitlements: [read], max_duration: 1d}
            deny:
              - name: bomb
                when: \(levels.last!)
                reason: never
            route:
              - {name: r, steps: [{approvers: owners, count: 1}]}
            """
    }()

    @Test func theAliasBombIsRefusedAtItsFirstAnchor() {
        do {
            _ = try Policy.parse(source: Self.bomb, file: "bomb.yaml")
            Issue.record("the alias bomb was accepted")
        } catch {
            let problem = error.errors.first
            #expect(error.errors.count == 1)
            #expect(problem?.file == "bomb.yaml")
            #expect(problem?.position == SourcePosition(line: 8, column: 11))
            #expect(problem?.message.contains("anchor") == true)
            #expect(problem?.hint?.contains("write each value out") == true)
        }
    }

    @Test(arguments: [
        ("a: &x 1\nb: 2\n", 1, 4, false),
        ("a: [1]\nb: *x\n", 2, 4, true),           // an alias without its anchor: still named as an alias
        ("- &s [1, 2]\n- *s\n", 1, 3, false),
        ("k: {m: &m {a: 1}}\n", 1, 8, false),
        ("--- {a: 1}\n--- {b: *z}\n", 2, 9, true),
    ])
    func everyAnchorOrAliasIsNamedWhereItIs(text: String, line: Int, column: Int, alias: Bool) {
        let found = YAMLAnchors.first(in: text)
        #expect(found == YAMLAnchors.Found(kind: alias ? .alias : .anchor, position: SourcePosition(line: line, column: column)))
        #expect(throws: SourceError.self) { try YAMLSource.documents(text: text, file: "f.yaml") }
    }

    /// `&` and `*` inside text are text, not anchors.
    @Test func ampersandsAndStarsInTextAreText() throws {
        let text = "purpose: \"R&D *needs* this\"\nnotes: a & b * c\nlabel: 'x*'\nplain: R&D\n# &comment *x\n"
        #expect(YAMLAnchors.first(in: text) == nil)
        #expect(try YAMLSource.documents(text: text, file: "f.yaml").count == 1)
    }

    /// The same pass counts the values, so that a file of millions of tiny
    /// values is refused before it is composed (each composed value takes
    /// some hundreds of bytes): named at the first value past the limit.
    @Test func aFileOfTooManyValuesIsRefusedBeforeItIsRead() {
        let text = "- 1\n- 2\n- [3, 4]\n"
        #expect(YAMLAnchors.first(in: text, valueLimit: 6) == nil)
        let found = YAMLAnchors.first(in: text, valueLimit: 4)
        #expect(found == YAMLAnchors.Found(kind: .tooManyValues, position: SourcePosition(line: 3, column: 4)))
        let error = YAMLAnchors.error(found!, file: "big.yaml")
        #expect(error.message.contains("more than 8,000,000 values") && error.hint == "split it", "\(error)")
    }

    @Test func requestFilesRefuseThemToo() {
        let text = "subject: &s {kind: human, name: dave}\nsystem: db\n"
        #expect(throws: SourceErrors.self) { try RequestFile.parse(text: text, file: "r.yaml", policy: nil) }
    }
}
