import Foundation
import SignoffCore
import SignoffStore
import Testing

/// Real operating-system accounts sharing one store, as on a team's host: the
/// identity is the account, not an assertion. Needs root to create accounts
/// (`useradd`); elsewhere the tests say why they did not run.
@Suite("Several OS accounts on one store", .serialized)
struct OSAccountTests {
    static let isRoot = geteuid() == 0

    /// Temporary accounts and a group, removed with this value.
    final class Accounts {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let group: String
        var names: [String: String] = [:]
        let root: URL

        init(_ roles: [String]) throws {
            group = "sgt\(suffix)"
            root = URL(fileURLWithPath: "/tmp/signoff-accounts-\(suffix)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            chmod(root.path, 0o755)
            try Self.system(["groupadd", group])
            for role in roles {
                let name = "sg\(role.prefix(3))\(suffix)"
                try Self.system(["useradd", "-M", "-N", "-g", group, "-d", root.appendingPathComponent(name).path,
                                 "-s", "/usr/sbin/nologin", name])
                names[role] = name
                let home = root.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
                try Self.system(["chown", "\(name):\(group)", home.path])
                chmod(home.path, 0o700)
            }
        }

        deinit {
            for name in names.values { try? Self.system(["userdel", name]) }
            try? Self.system(["groupdel", group])
            try? FileManager.default.removeItem(at: root)
        }

        func home(_ role: String) -> URL { root.appendingPathComponent(names[role]!) }

        @discardableResult
        static func system(_ arguments: [String]) throws -> String {
            let result = try tool(arguments)
            guard result.status == 0 else { throw HarnessError("\(arguments.joined(separator: " ")) failed: \(result.output)") }
            return result.stdout
        }

        /// Runs signoff as the account playing `role`, with its own home and configuration.
        func run(_ role: String, _ arguments: [String], store: String) throws -> Signoff.Result {
            let name = names[role]!
            let home = home(role).path
            return try Signoff.run(arguments + ["--store", store], environment: [
                "HOME": home, "XDG_CONFIG_HOME": home + "/config", "USER": name, "LOGNAME": name,
            ], prefix: ["/usr/bin/setpriv", "--reuid=\(name)", "--regid=\(group)", "--init-groups", "--"])
        }
    }

    /// The shared store, created by root, a policy naming the accounts applied.
    func sharedStore(_ accounts: Accounts) throws -> String {
        let folder = accounts.root.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Accounts.system(["chown", "root:\(accounts.group)", folder.path])
        chmod(folder.path, 0o770)
        let store = folder.appendingPathComponent("access.sqlite").path
        let created = try Signoff.run(["init", "--store", store, "--share-group", accounts.group])
        guard created.status == 0 else { throw HarnessError("init: \(created.output)") }
        let a = accounts.names["alice"]!, d = accounts.names["dave"]!, o = accounts.names["ops"]!
        let policy = accounts.root.appendingPathComponent("policy.yaml")
        try """
            policy: shared
            directory:
              people: {\(a): {}, \(d): {}}
              accounts: [\(o)]
            catalogue:
              db: {owners: [\(d)], environments: [prod], entitlements: [read], max_duration: 1d}
            roles:
              # alice administers too here: the hand-off's own checks must hold even against an administrator.
              admins: {members: [person:\(a), person:\(d), account:\(o)], may: [apply_policy, configure_hand_off]}
            route:
              - {name: dave, steps: [{approvers: "person:\(d)", count: 1}]}
            """.write(to: policy, atomically: true, encoding: .utf8)
        chmod(policy.path, 0o644)
        let applied = try Signoff.run(["policy", "apply", policy.path, "--store", store])
        guard applied.status == 0 else { throw HarnessError("apply: \(applied.output)") }
        return store
    }

    static let request = """
        subject: {kind: service_account, name: svc-report, owner: OWNER}
        system: db
        environment: prod
        entitlement: read
        access: read
        purpose: Monthly report reads the table
        duration: 8h
        """

    func submitAndApprove(_ accounts: Accounts, store: String) throws -> (String, Signoff.Result) {
        let a = accounts.names["alice"]!
        let file = accounts.home("alice").appendingPathComponent("request-\(UUID().uuidString.prefix(4)).yaml")
        try Self.request.replacingOccurrences(of: "OWNER", with: a).write(to: file, atomically: true, encoding: .utf8)
        try Accounts.system(["chown", "\(a):\(accounts.group)", file.path])
        let submitted = try accounts.run("alice", ["submit", file.path, "--json"], store: store)
        guard submitted.status == 0, let id = try Signoff.items(submitted).first?["id"] as? String else {
            throw HarnessError("submit: \(submitted.output)")
        }
        let approved = try accounts.run("dave", ["approve", id, "--version", "1", "-r", "Monthly report, read only, fine"], store: store)
        return (id, approved)
    }

    func files(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
    }

    /// Issue 11: a requester pointed the hand-off at her own folder and
    /// received the documents; pointed at the approver's folder, the
    /// approver's process wrote there for her. Neither may happen.
    @Test(.enabled(if: isRoot, "creating OS accounts needs root (useradd); run the suite as root to test several accounts"))
    func anOutboxIsWrittenOnlyByTheAccountThatSetItInItsOwnFolder() throws {
        let accounts = try Accounts(["alice", "dave", "ops"])
        let store = try sharedStore(accounts)
        let alicesBox = accounts.home("alice").appendingPathComponent("box")
        let davesBox = accounts.home("dave").appendingPathComponent("box")
        for (role, box) in [("alice", alicesBox), ("dave", davesBox)] {
            try FileManager.default.createDirectory(at: box, withIntermediateDirectories: true)
            try Accounts.system(["chown", "\(accounts.names[role]!):\(accounts.group)", box.path])
            chmod(box.path, 0o700)
        }

        // Alice's own folder: set by her, but the approver's process never writes there.
        let set = try accounts.run("alice", ["handoff", "--outbox", alicesBox.path], store: store)
        #expect(set.status == 0, "\(set.output)")
        let (first, approved) = try submitAndApprove(accounts, store: store)
        #expect(approved.status == 0, "\(approved.output)")
        #expect(approved.stderr.contains("left pending"), "\(approved.output)")
        #expect(files(alicesBox).isEmpty, "the approver's process wrote into the requester's folder")

        // The approver's folder: alice cannot name it (not hers) ...
        let foreign = try accounts.run("alice", ["handoff", "--outbox", davesBox.path], store: store)
        #expect(foreign.status == 2, "\(foreign.output)")
        #expect(["cannot be read", "belongs to another account", "not an existing folder"].contains { foreign.stderr.contains($0) },
                "\(foreign.stderr)")
        // ... and a forged row naming it as dave's is not believed by dave's process (the confused deputy).
        _ = try sqlite(store, "UPDATE hand_off SET outbox = '\(davesBox.path)', configured_by = '\(accounts.names["dave"]!)', authentication = 'os_account'")
        let retried = try accounts.run("dave", ["handoff", "retry"], store: store)
        #expect(retried.status == 3 && retried.stderr.contains("has not set that outbox itself"), "\(retried.output)")
        #expect(files(davesBox).isEmpty, "dave's process wrote where only alice's forged row told it to")
        #expect(try Signoff.run(["audit", "verify", "--store", store]).status == 6, "the forged row is caught")
        _ = first
    }

    /// A replaced folder or command is retired: whoever writes the store cannot bring it back.
    @Test(.enabled(if: isRoot, "creating OS accounts needs root (useradd); run the suite as root to test several accounts"))
    func aReplacedOutboxIsRetiredAndCannotBeReplayed() throws {
        let accounts = try Accounts(["alice", "dave", "ops"])
        let store = try sharedStore(accounts)
        let old = accounts.home("dave").appendingPathComponent("old")
        let new = accounts.home("dave").appendingPathComponent("new")
        for box in [old, new] {
            try FileManager.default.createDirectory(at: box, withIntermediateDirectories: true)
            try Accounts.system(["chown", "\(accounts.names["dave"]!):\(accounts.group)", box.path])
            chmod(box.path, 0o700)
        }
        #expect(try accounts.run("dave", ["handoff", "--outbox", old.path], store: store).status == 0)
        let (first, approved) = try submitAndApprove(accounts, store: store)
        #expect(approved.status == 0 && files(old).count == 1, "dave's own trusted folder receives dave's decisions: \(approved.output)")
        #expect(try accounts.run("dave", ["handoff", "--outbox", new.path], store: store).status == 0)
        let shown = try accounts.run("dave", ["handoff"], store: store)
        #expect(shown.stdout.contains("is written here, as this account"), "\(shown.output)")

        // A store writer brings the old folder back: dave's process refuses it.
        _ = try sqlite(store, "UPDATE hand_off SET outbox = '\(old.path)'")
        let (_, second) = try submitAndApprove(accounts, store: store)
        #expect(second.status == 0 && second.stderr.contains("replaced since"), "\(second.output)")
        #expect(files(old).count == 1, "the retired folder received a document")
        // A folder others may write is not used either.
        _ = try sqlite(store, "UPDATE hand_off SET outbox = '\(new.path)'")
        chmod(new.path, 0o777)
        let loose = try accounts.run("dave", ["handoff", "retry"], store: store)
        #expect(loose.stderr.contains("writable by other accounts"), "\(loose.output)")
        #expect(files(new).isEmpty)
        chmod(new.path, 0o700)
        let delivered = try accounts.run("dave", ["handoff", "retry"], store: store)
        #expect(delivered.status == 0 && files(new).count == 1, "\(delivered.output)")
        _ = first
    }

    /// Once another administrator re-points the hand-off, the target an
    /// account set before is no longer honoured in its processes, even when a
    /// store writer appends a well-chained event that sets it again in that
    /// account's name (which `audit verify` cannot tell from a real one): an
    /// account's trust entry names the very event that set its target.
    @Test(.enabled(if: isRoot, "creating OS accounts needs root (useradd); run the suite as root to test several accounts"))
    func aTargetRePointedByAnotherIdentityIsNoLongerHonoured() throws {
        let accounts = try Accounts(["alice", "dave", "ops"])
        let store = try sharedStore(accounts)
        var boxes: [String: URL] = [:]
        for role in ["alice", "dave"] {
            let box = accounts.home(role).appendingPathComponent("box")
            try FileManager.default.createDirectory(at: box, withIntermediateDirectories: true)
            try Accounts.system(["chown", "\(accounts.names[role]!):\(accounts.group)", box.path])
            chmod(box.path, 0o700)
            boxes[role] = box
        }
        let davesBox = boxes["dave"]!
        #expect(try accounts.run("dave", ["handoff", "--outbox", davesBox.path], store: store).status == 0)
        let (_, approved) = try submitAndApprove(accounts, store: store)
        #expect(approved.status == 0 && files(davesBox).count == 1, "dave's own folder receives dave's decisions: \(approved.output)")

        // Alice, an administrator too, re-points the hand-off to her own folder.
        #expect(try accounts.run("alice", ["handoff", "--outbox", boxes["alice"]!.path], store: store).status == 0)
        // A store writer appends a well-chained event giving dave's folder back in dave's name.
        do {
            let writer = try Store.open(at: store)
            _ = try writer.write { tx in
                try tx.append(EventDraft(requestID: nil, actor: Principal(name: accounts.names["dave"]!, authentication: .osAccount),
                                         at: Date(), body: .handOffConfigured(.init(outbox: davesBox.path, command: nil, timeoutSeconds: nil))))
            }
        }
        #expect(try Signoff.run(["audit", "verify", "--store", store]).status == 0, "the forged event is well chained")
        let shown = try accounts.run("dave", ["handoff"], store: store)
        #expect(shown.stdout.contains("not used here") && shown.stdout.contains("replaced since"), "\(shown.output)")
        let (_, second) = try submitAndApprove(accounts, store: store)
        #expect(second.status == 0 && second.stderr.contains("left pending"), "\(second.output)")
        #expect(files(davesBox).count == 1, "a target dave's account had lost to another administrator was used again")

        // Dave setting it again himself is what makes it his target once more.
        #expect(try accounts.run("dave", ["handoff", "--outbox", davesBox.path], store: store).status == 0)
        let delivered = try accounts.run("dave", ["handoff", "retry"], store: store)
        #expect(delivered.status == 0 && files(davesBox).count == 2, "\(delivered.output)")
    }

    /// An auditor who may only read the store's files verifies and exports it,
    /// with and without its -wal and -shm, and changes nothing.
    @Test(.enabled(if: isRoot, "creating OS accounts needs root (useradd); run the suite as root to test several accounts"))
    func aReadOnlyAuditorVerifiesWithoutWriting() throws {
        let accounts = try Accounts(["alice", "dave", "ops", "auditor"])
        let store = try sharedStore(accounts)
        _ = try submitAndApprove(accounts, store: store)
        // The auditor is not in the store's group: give read access alone.
        let folder = (store as NSString).deletingLastPathComponent
        chmod(folder, 0o755)
        for file in [store, store + "-wal", store + "-shm"] { chmod(file, 0o644) }
        func fingerprint() throws -> [String] {
            try [store, store + "-wal", store + "-shm"].map { path in
                guard FileManager.default.fileExists(atPath: path) else { return "absent" }
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                return "\(try Data(contentsOf: URL(fileURLWithPath: path)).hashValue) \(attributes[.posixPermissions] ?? 0)"
            }
        }
        let before = try fingerprint()
        for command in [["audit", "verify"], ["audit", "export"], ["audit", "head"], ["list"]] {
            let result = try accounts.run("auditor", command, store: store)
            #expect(result.status == 0, "\(command): \(result.output)")
        }
        #expect(try fingerprint() == before, "a read command wrote to the store")

        // Without -wal and -shm (checkpointed away): still readable, still unchanged.
        _ = try sqlite(store, "PRAGMA wal_checkpoint(TRUNCATE);")
        unlink(store + "-wal")
        unlink(store + "-shm")
        let bare = try fingerprint()
        #expect(bare[1] == "absent" && bare[2] == "absent")
        for command in [["audit", "verify"], ["audit", "export"], ["audit", "export", "--format", "csv"], ["audit", "head"], ["list"]] {
            let result = try accounts.run("auditor", command, store: store)
            #expect(result.status == 0, "\(command) without -wal and -shm: \(result.output)")
        }
        #expect(try fingerprint() == bare, "reading created or changed a file")
    }
}
