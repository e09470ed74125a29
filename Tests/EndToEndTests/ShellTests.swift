import Foundation
import Testing

/// What a shell user meets before any command: `--version`, and the bash
/// completion ArgumentParser generates, driven in a real bash the way the
/// shell drives it on a Tab (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT,
/// then the function `complete -p` registered).
@Suite("Shell", .serialized)
struct ShellTests {
    @Test func versionNeedsNoStoreNoHomeAndNoConfiguration() throws {
        let result = try Signoff.runProgram(Signoff.binary.path, ["--version"],
                                            environment: ["PATH": "/usr/bin:/bin"], inheriting: false)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stderr.isEmpty)
        // One line: the name and a semantic version.
        #expect(result.stdout.wholeMatch(of: /signoff \d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\n/) != nil, "\(result.stdout)")
    }

    /// A mistyped command is named as one, with the command meant, rather
    /// than taken for an argument of the console and answered with its usage;
    /// nothing is opened.
    @Test func aMistypedCommandIsNamedWithTheCommandMeant() throws {
        let typo = try Signoff.runProgram(Signoff.binary.path, ["lsit", "--state", "pending"],
                                          environment: ["PATH": "/usr/bin:/bin"], inheriting: false)
        #expect(typo.status == 2, "\(typo.output)")
        #expect(typo.stderr.contains(#"unknown command "lsit" (did you mean "list"?); `signoff --help` lists the commands"#),
                "\(typo.stderr)")
        #expect(!typo.stderr.contains("signoff console"), "\(typo.stderr)")
        let hostile = try Signoff.runProgram(Signoff.binary.path, ["\u{1B}]0;pwned\u{7}", "--json"],
                                             environment: ["PATH": "/usr/bin:/bin"], inheriting: false)
        #expect(hostile.status == 2 && !hostile.stderr.contains("\u{1B}"), "\(hostile.output)")
        let error = try JSONSerialization.jsonObject(with: Data(hostile.stderr.utf8)) as? [String: Any]
        #expect((error?["error"] as? [String: Any])?["code"] as? String == "bad_input", "\(hostile.stderr)")
        // Commands and help still parse as before.
        #expect(try Signoff.runProgram(Signoff.binary.path, ["help", "list"]).status == 0)
    }

    /// The bash completion script as `scripts/install` writes it: from the binary.
    static func bashScript(_ binary: String, into directory: URL) throws -> String {
        let generated = try Signoff.runProgram(binary, ["--generate-completion-script", "bash"])
        guard generated.status == 0 else { throw HarnessError("no bash completion script: \(generated.output)") }
        let script = directory.appendingPathComponent("signoff.bash")
        try Data(generated.stdout.utf8).write(to: script)
        return script.path
    }

    /// What bash offers on a Tab after `line` (which ends where the cursor
    /// is), with `script` loaded and `binary`'s folder first on PATH, so the
    /// completion function finds `signoff` as a shell would.
    static func complete(_ line: String, script: String, binary: String,
                         environment: [String: String] = [:]) throws -> (candidates: [String], result: Signoff.Result) {
        let program = """
            source "$1" || exit 90
            read -r -a COMP_WORDS <<< "$2"
            [[ "$2" == *" " ]] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            COMP_LINE="$2"
            COMP_POINT=${#COMP_LINE}
            registered=$(complete -p signoff) || exit 91
            function=${registered##*-F }
            function=${function%% *}
            COMPREPLY=()
            "$function" signoff "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        var full = environment
        full["PATH"] = URL(fileURLWithPath: binary).deletingLastPathComponent().path + ":/usr/bin:/bin"
        let result = try Signoff.runProgram("/bin/bash", ["--noprofile", "--norc", "-c", program, "bash", script, line],
                                            environment: full, inheriting: false)
        return (result.stdout.split(separator: "\n").map(String.init).filter { !$0.isEmpty }, result)
    }

    /// Request IDs complete from the store the command line names, or the one
    /// SIGNOFF_STORE names; open requests first.
    @Test func bashCompletesRequestIDsFromTheStore() throws {
        let directory = try ScratchDirectory("complete")
        let store = directory.path("demo.sqlite")
        let demo = try Signoff.run(["demo", "--no-console", "--store", store, "--requests", "30"])
        try #require(demo.status == 0, "\(demo.output)")
        let listed = try Signoff.run(["list", "--json", "--store", store])
        let requests = try Signoff.items(listed).compactMap { item in
            (item["id"] as? String).map { ($0, item["state"] as? String ?? "") }
        }
        let open = Set(requests.filter { ["pending", "blocked"].contains($0.1) }.map(\.0))
        let expected = Set(requests.map(\.0).filter { $0.hasPrefix("REQ-2") })
        try #require(expected.count == 11 && !expected.isSubset(of: open) && !expected.isDisjoint(with: open),
                     "the demo store needs open and decided REQ-2…: \(requests)")
        let script = try Self.bashScript(Signoff.binary.path, into: directory.url)

        for command in ["show", "approve", "deny", "revoke", "wait", "policy explain", "handoff retry"] {
            let (candidates, result) = try Self.complete("signoff \(command) --store \(store) REQ-2",
                                                         script: script, binary: Signoff.binary.path)
            #expect(result.status == 0 && result.stderr.isEmpty, "\(command): \(result.output)")
            #expect(Set(candidates) == expected, "\(command): \(candidates)")
            let firstDecided = candidates.firstIndex { !open.contains($0) } ?? candidates.count
            #expect(candidates[firstDecided...].allSatisfy { !open.contains($0) }, "\(command): open requests first: \(candidates)")
        }
        // The configured store; an ID no other ID extends completes to itself alone.
        let (configured, _) = try Self.complete("signoff show REQ-30", script: script, binary: Signoff.binary.path,
                                                environment: ["SIGNOFF_STORE": store])
        #expect(configured == ["REQ-30"])
        // An option's value is not a request ID.
        let (states, _) = try Self.complete("signoff list --state ", script: script, binary: Signoff.binary.path,
                                            environment: ["SIGNOFF_STORE": store])
        #expect(Set(requests.map(\.0)).isDisjoint(with: states), "\(states)")
    }

    /// No store (or one this account cannot read) completes nothing and prints
    /// nothing into the shell.
    @Test func bashCompletionWithoutAStoreOffersNothing() throws {
        let directory = try ScratchDirectory("complete")
        let script = try Self.bashScript(Signoff.binary.path, into: directory.url)
        let missing = directory.path("absent.sqlite")
        let (candidates, result) = try Self.complete("signoff show --store \(missing) REQ-", script: script,
                                                     binary: Signoff.binary.path)
        #expect(candidates.isEmpty && result.status == 0 && result.stderr.isEmpty, "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: missing), "completion created a store")
    }
}
