import Foundation
import Testing

/// What a script and a person read when something is wrong: the position of
/// the field at fault, one exit code per kind of failure, and messages that
/// do not contradict themselves.
@Suite("Messages and exit codes, end to end")
struct MessageTests {
    @Test func refusalsOfARequestFilePointAtTheField() throws {
        let store = try TestStore()
        // Submitting for someone else: at the requester the file names.
        let behalf = try store.file("behalf.yaml", "requester: bob\n" + etlRequest)
        let onBehalf = try store.run(["submit", behalf], as: "alice")
        #expect(onBehalf.status == 3, "\(onBehalf.output)")
        #expect(onBehalf.stderr.contains("behalf.yaml:1:12: requester: alice may not submit on behalf of bob"), "\(onBehalf.stderr)")
        #expect(onBehalf.stderr.contains("nothing was submitted"))

        // An unknown revocation trigger is bad input, at the trigger's name.
        let typo = try store.file("trigger.yaml", etlRequest.replacingOccurrences(of: "trigger: ticket_closed", with: "trigger: ticket_closd"))
        let trigger = try store.run(["submit", typo], as: "alice")
        #expect(trigger.status == 2, "\(trigger.output)")
        #expect(trigger.stderr.contains("trigger.yaml:8:33: revocation_triggers[0].trigger: ticket_closd is not a revocation trigger of this policy"),
                "\(trigger.stderr)")
        #expect(trigger.stderr.contains("did you mean ticket_closed?"))

        // A break-glass request without an incident: at break_glass.
        let noIncident = try store.file("emergency.yaml", emergencyRequest.replacingOccurrences(of: "\nincident: INC-2041", with: ""))
        let emergency = try store.run(["submit", noIncident], as: "grace")
        #expect(emergency.status == 2, "\(emergency.output)")
        #expect(emergency.stderr.contains("emergency.yaml:8:14: break_glass: a break-glass request needs an incident"), "\(emergency.stderr)")
        #expect(!emergency.stderr.contains(":1:1:"))

        // Firing a trigger the policy does not know is bad input too.
        let fired = try store.run(["trigger", "ticket_closd", "--ref", "OPS-1234"], as: "ops")
        #expect(fired.status == 2 && fired.stderr.contains("did you mean ticket_closed?"), "\(fired.output)")
        #expect(try store.run(["list"]).stdout.contains("no requests match"), "nothing was written")
    }

    /// `signoff --help` names every exit code a script can meet, from 0 to
    /// the last one any command uses, and the environment variables signoff
    /// reads, so neither is only in the README.
    @Test func helpNamesEveryExitCodeAndTheEnvironment() throws {
        let help = try Signoff.run(["--help"])
        #expect(help.status == 0, "\(help.output)")
        // ArgumentParser wraps the text; its words are what count.
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for phrase in ["0 success", "2 bad input", "5 store error", "6 evidence altered", "8 `wait`: still undecided",
                       "9 `reconcile`: the run opened findings", "10 `import jira --check`: a ticket would be refused",
                       "11 `import jira`: a ticket made no request", "12 `notify run`: a notification was given up"] {
            #expect(text.contains(phrase), "\(phrase) is not in the help")
        }
        for variable in ["SIGNOFF_STORE", "SIGNOFF_LOCK_TIMEOUT", "SSH_AUTH_SOCK", "SIGNOFF_SIGNING_KEY", "SIGNOFF_NOW", "NO_COLOR"] {
            #expect(text.contains(variable + ","), "\(variable) is not in the help")
        }
    }

    @Test func noSuchRequestIsBadInputEverywhere() throws {
        let store = try TestStore()
        let commands: [[String]] = [
            ["show", "REQ-99"], ["approve", "REQ-99", "--version", "1", "-r", rationale],
            ["deny", "REQ-99", "--version", "1", "-r", rationale], ["withdraw", "REQ-99"],
            ["revoke", "REQ-99", "-r", rationale], ["review-incident", "REQ-99", "-r", rationale],
            ["self-activate", "REQ-99", "-r", rationale], ["extend", "REQ-99", "--by", "8h"],
            ["provisioned", "REQ-99"], ["provisioning-failed", "REQ-99", "--reason", "no such role"],
            ["policy", "explain", "REQ-99"], ["audit", "export", "--request", "REQ-99"], ["wait", "REQ-99", "--timeout", "1s"],
        ]
        for arguments in commands {
            // Provisioning's reports come from the account the policy's provisioning role names.
            let actor = arguments[0].hasPrefix("provisioning") || arguments[0] == "provisioned" ? "ops" : "dave"
            let result = try store.run(arguments, as: actor)
            #expect(result.status == 2, "\(arguments): \(result.output)")
            #expect(result.stderr.contains("there is no request REQ-99"), "\(arguments): \(result.stderr)")
        }
    }

    @Test func messagesDoNotContradictThemselves() throws {
        let store = try TestStore()
        let id = try store.submit(etlRequest, as: "alice")
        let never = try store.run(["approve", id, "--version", "2", "-r", rationale], as: "dave")
        #expect(never.status == 4 && never.stderr.contains("\(id) has never had version 2: it is at version 1"), "\(never.output)")
        #expect(!never.stderr.contains("you saw version 2"))

        let stranger = try store.run(["approve", id, "--version", "1", "-r", rationale], as: "mallory")
        #expect(stranger.status == 3, "\(stranger.output)")
        #expect(stranger.stderr.components(separatedBy: "not in the policy directory").count == 2, "said once: \(stranger.stderr)")

        let why = try store.file("why.txt", "Read replica only, matches OPS-1234 and the ETL design\n\n")
        #expect(try store.run(["approve", id, "--version", "1", "--rationale-file", why], as: "dave").status == 0)
        let review = try #require((try store.show(id)["reviews"] as? [[String: Any]])?.first)
        #expect(review["rationale"] as? String == rationale, "stored without the file's last newlines")
        #expect(!(try store.run(["show", id]).stdout.contains("␊")))

        let late = try store.run(["deny", id, "--version", "1", "-r", rationale], as: "erin")
        #expect(late.status == 4, "\(late.output)")
        #expect(late.stderr.contains("refused: \(id) is already approved (the attempt is recorded)"), "\(late.stderr)")
        #expect(!late.stderr.contains("nothing was recorded"))
    }

    @Test func listAndGrantsAlignTheirColumnsUnderAHeader() throws {
        let store = try TestStore()
        let first = try store.submit(etlRequest, as: "alice")
        _ = try store.submit(etlRequest.replacingOccurrences(of: "svc-ledger-etl", with: "svc-ledger-audit-with-a-longer-name"), as: "alice")
        #expect(try store.run(["approve", first, "--version", "1", "-r", rationale], as: "dave").status == 0)
        for arguments in [["list"], ["grants", "--all"]] {
            let lines = try store.run(arguments).stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("ID  ") == true && lines.first?.contains("STATE") == true, "\(arguments): \(lines)")
            #expect(lines.count >= 2)
            // Every column starts where its title does.
            let header = try #require(lines.first)
            for title in ["STATE", "SUBJECT", "SYSTEM/ENV", "ENTITLEMENT"] {
                let column = try #require(header.range(of: title)).lowerBound.utf16Offset(in: header)
                for line in lines.dropFirst() {
                    let index = line.index(line.startIndex, offsetBy: column)
                    #expect(line[line.index(before: index)] == " " && line[index] != " ", "\(title) in \(line)")
                }
            }
        }
    }

    /// `submit` with no file, typed at a terminal, asks for one instead of
    /// reading the keyboard and saying "<stdin>: contains no requests".
    @Test func submitWithoutAFileAtATerminalAsksForOne() throws {
        let store = try TestStore()
        // The shell keeps the pane open after signoff exits, to read what it said.
        let tmux = try TmuxSession(command: ["/bin/sh", "-c", "\"$0\" \"$@\"; echo \"exit $?\"; sleep 60",
                                             Signoff.binary.path, "submit", "--store", store.path, "--as", "alice"],
                                   environment: store.environment())
        let screen = try tmux.waitFor("exit ")
        #expect(screen.contains("which requests?") && screen.contains("signoff submit request.yaml"), "\(screen)")
        #expect(screen.contains("exit 2"))
        #expect(!screen.contains("contains no requests"))
        // From a pipe, stdin is the file.
        #expect(try store.run(["submit"], as: "alice", stdin: etlRequest).status == 0)
    }
}
