import Foundation
import Testing

/// `$DESTDIR$PREFIX` of the staged install.
private let stagedInstallRoot: URL? = ProcessInfo.processInfo.environment["SIGNOFF_TEST_INSTALL_ROOT"]
    .flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }

/// What `scripts/install` puts on a host: a binary that runs without a Swift
/// toolchain, its completions and man pages, and the systemd units. The tree
/// is the one `scripts/test` stages after its release build and names in
/// `SIGNOFF_TEST_INSTALL_ROOT` (an install is a release build: minutes, and
/// it cannot run inside `swift test`, which holds the build directory).
@Suite("Installation", .serialized,
       .enabled(if: stagedInstallRoot != nil,
                "needs a staged install: scripts/test runs scripts/install into a temporary directory and sets SIGNOFF_TEST_INSTALL_ROOT"))
struct InstallTests {
    func installed(_ path: String) throws -> URL { try #require(stagedInstallRoot).appendingPathComponent(path) }

    /// The installed binary as on a bare host: nothing from this machine's
    /// environment (no HOME, no Swift toolchain on PATH, only the PATH of a
    /// bare system), in an empty working directory.
    func bare(_ arguments: [String], in directory: URL) throws -> Signoff.Result {
        try Signoff.runProgram(try installed("bin/signoff").path, arguments,
                               environment: ["PATH": "/usr/bin:/bin"], inheriting: false, directory: directory)
    }

    @Test func theInstalledBinaryRunsOnAHostWithoutSwift() throws {
        let scratch = try ScratchDirectory("bare")
        let directory = scratch.url
        let version = try bare(["--version"], in: directory)
        // The version of the source the tests were built from.
        let expected = try Signoff.run(["--version"])
        #expect(version.status == 0 && version.stdout == expected.stdout && version.stdout.hasPrefix("signoff "),
                "\(version.output) / \(expected.output)")
        // Work that needs SQLite, Foundation, the policy parser, the clock and the terminal's safe text.
        let store = scratch.path("demo.sqlite")
        let demo = try bare(["demo", "--no-console", "--store", store, "--requests", "40"], in: directory)
        #expect(demo.status == 0, "\(demo.output)")
        let listed = try bare(["list", "--store", store, "--as", "dave", "--limit", "3"], in: directory)
        #expect(listed.status == 0 && listed.stdout.hasPrefix("ID  "), "\(listed.output)")
        let verified = try bare(["audit", "verify", "--store", store], in: directory)
        #expect(verified.status == 0, "\(verified.output)")
        // Without HOME and without a store named: the account's own default store, which does
        // not exist, and what to do about it; nothing is created.
        let unconfigured = try bare(["list"], in: directory)
        #expect(unconfigured.status == 5 && unconfigured.stderr.contains("signoff init"), "\(unconfigured.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().allSatisfy { $0.hasPrefix("demo.sqlite") })
    }

    /// Swift's runtime and Foundation are inside the binary; what `ldd` still
    /// lists are C libraries of the distribution, every one named in the README.
    @Test func onlyTheCLibrariesTheReadmeNamesRemainDynamic() throws {
        let libraries = try Signoff.runProgram("/usr/bin/ldd", [try installed("bin/signoff").path])
        #expect(libraries.status == 0, "\(libraries.output)")
        #expect(!libraries.stdout.contains("not found"), "\(libraries.stdout)")
        for swiftLibrary in ["libswift", "libFoundation", "libdispatch", "libBlocksRuntime", "lib_FoundationICU"] {
            #expect(!libraries.stdout.contains(swiftLibrary), "\(swiftLibrary) is linked dynamically:\n\(libraries.stdout)")
        }
        let sonames = libraries.stdout.split(separator: "\n").compactMap { line -> String? in
            let name = line.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
            return name.hasPrefix("lib") ? name : nil  // not linux-vdso nor the loader
        }
        #expect(sonames.contains { $0.hasPrefix("libncursesw") } && sonames.contains { $0.hasPrefix("libsqlite3") },
                "\(libraries.stdout)")
        let readme = try String(contentsOf: Signoff.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Installing").dropFirst().first)
        for soname in sonames {
            #expect(section.contains("`\(soname)`"), "README's Installing section does not name \(soname), which ldd lists")
        }
    }

    @Test func theInstallStepProducedCompletionsAndManPages() throws {
        // bash: the installed script, loaded by a real bash, completes request IDs
        // through the installed binary.
        let scratch = try ScratchDirectory("bare")
        let directory = scratch.url
        let store = scratch.path("demo.sqlite")
        #expect(try bare(["demo", "--no-console", "--store", store, "--requests", "12"], in: directory).status == 0)
        let (candidates, completed) = try ShellTests.complete(
            "signoff show --store \(store) REQ-1", script: try installed("share/bash-completion/completions/signoff").path,
            binary: try installed("bin/signoff").path)
        #expect(Set(candidates) == ["REQ-1", "REQ-10", "REQ-11", "REQ-12"], "\(completed.output)")
        // zsh and fish, interactive in tmux as a user has them, load the installed
        // scripts and list the same IDs on a Tab.
        let environment = ["PATH": try installed("bin").path + ":/usr/bin:/bin", "HOME": directory.path]
        let zshFunctions = try installed("share/zsh/site-functions").path
        let fishScript = try installed("share/fish/vendor_completions.d/signoff.fish").path
        let shells = [
            ("zsh", try TmuxSession(command: ["/usr/bin/zsh", "-f"], environment: environment)),
            ("fish", try TmuxSession(command: ["/usr/bin/fish", "--no-config", "-C", "source \(fishScript); function fish_prompt; printf '%s' '!'READY' '; end"],
                                     environment: environment)),
        ]
        try shells[0].1.type("fpath=(\(zshFunctions) $fpath); autoload -U compinit; compinit -u; PS1=$'\\x21READY '")
        try shells[0].1.send("Enter")
        for (shell, session) in shells {
            _ = try session.waitFor("!READY")
            try session.type("signoff show --store \(store) REQ-1")
            try session.send("Tab")
            let screen = try session.waitFor("REQ-12")
            let offered = screen.split(separator: "\n").filter { !$0.contains("signoff show") }
                .flatMap { $0.split(separator: " ").map(String.init) }
            #expect(Set(offered.filter { $0.hasPrefix("REQ-") }) == ["REQ-1", "REQ-10", "REQ-11", "REQ-12"], "\(shell):\n\(screen)")
        }

        // One page per command, each found and formatted by man.
        let manuals = try installed("share/man")
        for page in ["signoff", "signoff.submit", "signoff.expire", "signoff.handoff.retry", "signoff.audit.head"] {
            let text = try String(contentsOf: manuals.appendingPathComponent("man1/\(page).1"), encoding: .utf8)
            #expect(text.contains(".Dt \(page.uppercased()) 1"), "\(page): \(text.prefix(300))")
            let formatted = try Signoff.runProgram("/usr/bin/man", ["-M", manuals.path, "1", page],
                                                   environment: ["MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "100"])
            #expect(formatted.status == 0 && formatted.stdout.contains("SYNOPSIS"), "man \(page): \(formatted.output)")
        }
        let submit = try String(contentsOf: manuals.appendingPathComponent("man1/signoff.submit.1"), encoding: .utf8)
        #expect(submit.contains("dry\\-run") || submit.contains("dry-run"))
    }

    /// The units as systemd reads them: `systemd-analyze verify` with the
    /// staged binary in ExecStart and the staged man pages on MANPATH (it
    /// checks the syntax, that the command is executable, and that every
    /// Documentation= page exists). Then what it cannot know: each unit runs a
    /// command this binary has, and every one-shot job has a timer.
    @Test func theSystemdUnitsVerifyAndRunCommandsThatExist() throws {
        let folder = try installed("share/doc/signoff/systemd")
        let units = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(Set(units).isSuperset(of: ["signoff-expire.service", "signoff-expire.timer",
                                           "signoff-handoff-retry.service", "signoff-handoff-retry.timer",
                                           "signoff-anchor.service", "signoff-anchor.timer"]))
        let scratch = try ScratchDirectory("bare")
        let directory = scratch.url
        for unit in units {
            let text = try String(contentsOf: folder.appendingPathComponent(unit), encoding: .utf8)
            try Data(text.replacingOccurrences(of: "/usr/local/bin/signoff", with: try installed("bin/signoff").path).utf8)
                .write(to: directory.appendingPathComponent(unit))
        }
        let analyze = try Signoff.runProgram("/usr/bin/systemd-analyze", ["verify"] + units.map { "./\($0)" },
                                             environment: ["MANPATH": try installed("share/man").path],
                                             directory: directory)
        #expect(analyze.status == 0 && analyze.output.isEmpty, "systemd-analyze verify: \(analyze.output)")

        func lines(_ unit: String) throws -> [Substring] {
            try String(contentsOf: folder.appendingPathComponent(unit), encoding: .utf8).split(separator: "\n")
        }
        // What each timer starts: its Unit=, else the service of its own name.
        var started: Set<String> = []
        for timer in units where timer.hasSuffix(".timer") {
            let named = try lines(timer).first { $0.hasPrefix("Unit=") }.map { String($0.dropFirst("Unit=".count)) }
            let target = named ?? timer.replacingOccurrences(of: ".timer", with: ".service")
            #expect(units.contains(target), "\(timer) starts \(target), which is not installed")
            started.insert(target)
        }
        for unit in units where unit.hasSuffix(".service") {
            let text = try lines(unit)
            let exec = try #require(text.first { $0.hasPrefix("ExecStart=") })
            let command = try #require(exec.range(of: "/usr/local/bin/signoff ")).upperBound
            let arguments = exec[command...].prefix { $0 != "|" && $0 != "'" }.split(separator: " ").map(String.init)
            let help = try bare(arguments + ["--help"], in: directory)
            #expect(help.status == 0, "\(unit): signoff \(arguments.joined(separator: " ")): \(help.output)")
            if text.contains("Type=oneshot") { #expect(started.contains(unit), "\(unit) has no timer") }
            // Documentation= names pages the install step generated.
            for page in text.filter({ $0.hasPrefix("Documentation=") }).flatMap({ $0.dropFirst("Documentation=".count).split(separator: " ") }) {
                let name = try #require(page.wholeMatch(of: /man:([a-z.-]+)\((\d)\)/), "\(unit): \(page)").output
                #expect(FileManager.default.fileExists(atPath: try installed("share/man/man\(name.2)/\(name.1).\(name.2)").path),
                        "\(unit): \(page) was not installed")
            }
        }
    }
}
