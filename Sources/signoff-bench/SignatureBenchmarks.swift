import Crypto
import Foundation
import SignoffApp
import SignoffCore
import SignoffSigning
import SignoffStore

/// `signoff audit verify` over a store of signed decisions: 100,000 signed
/// submissions (the full run; `--quick` uses 2,000), each signed by its
/// requester's ed25519 key listed in the policy, with the same signature
/// checks alone, on every core, as the floor.
enum SignatureBenchmarks {
    static func run(quick: Bool) throws -> [Figure] {
        try Processes.requireSignoff()
        let count = quick ? 2_000 : 100_000
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = try SSHPublicKey(blob: wire { $0.string("ssh-ed25519"); $0.string(Array(key.publicKey.rawRepresentation)) },
                                         comment: "bench")
        let policy = try Policy.parse(source: source(requesterKey: publicKey), file: "signed.yaml")
        let (store, directory) = try StoreBenchmarks.newStore("signed", policy: policy)
        defer { try? FileManager.default.removeItem(at: directory) }
        let signatures = try fill(store, policy: policy, key: key, publicKey: publicKey, count: count)

        let report = try store.verify()
        guard report.signedEventCount == count, report.isIntact else {
            throw BenchError("the signed store does not verify: \(report.signatureProblems.prefix(3))")
        }
        // `audit verify` as a whole process; the same checks alone, in
        // batches of 256 spread over as many cores as audit verify uses (the
        // most it could reach on this machine now); and for comparison
        // swift-crypto checking each signature on its own, on those cores
        // and on one. Rounds taken in turns, medians compared, so that the
        // machine's changing speed falls on all alike.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let jobs = signatures.map { (signature: $0.0, statement: $0.1) }
        func spread(_ work: @escaping @Sendable (Range<Int>) -> Void) -> Double {
            Measure.time {
                let chunk = (jobs.count + cores - 1) / cores
                DispatchQueue.concurrentPerform(iterations: cores) { worker in
                    work((worker * chunk)..<min(jobs.count, (worker + 1) * chunk))
                }
            }
        }
        var verifySeconds: [Double] = [], batchSeconds: [Double] = [], singleSeconds: [Double] = [], oneCoreSeconds: [Double] = []
        for _ in 0..<(quick ? 1 : 3) {
            let verify = try Processes.run(Processes.signoff, ["audit", "verify", "--store", store.path])
            guard verify.status == 0 else { throw BenchError("audit verify of signed events exited \(verify.status)") }
            verifySeconds.append(verify.seconds)
            batchSeconds.append(spread { range in
                for start in stride(from: range.lowerBound, to: range.upperBound, by: 256) {
                    let findings = SignatureInspection.verify(Array(jobs[start..<min(range.upperBound, start + 256)]))
                    precondition(findings.allSatisfy { $0 == nil }, "a bench signature does not verify")
                }
            })
            singleSeconds.append(spread { range in
                for index in range { _ = try? jobs[index].signature.verify(message: jobs[index].statement) }
            })
            oneCoreSeconds.append(Measure.time {
                for (signature, statement) in jobs { _ = try? signature.verify(message: statement) }
            })
        }
        func median(_ seconds: [Double]) -> Double { Double(count) / Measure.percentile(seconds, 0.5) }
        let rate = median(verifySeconds), floor = median(batchSeconds)
        return try signingCost(quick: quick) + [
            Figure(name: "audit verify, \(count.formatted()) signed, median of \(verifySeconds.count)", value: Measure.format(rate, "signatures/s"),
                   budget: "≥ 20,000/s", met: quick ? nil : rate >= 20_000),
            Figure(name: "  the same pass in-process", value: Measure.format(Double(count) / Measure.seconds(report.duration), "signatures/s"),
                   budget: "", met: nil),
            Figure(name: "  the same checks alone, \(cores) core(s)", value: Measure.format(floor, "signatures/s"),
                   budget: "(floor)", met: nil),
            Figure(name: "  audit verify / that floor", value: String(format: "%.0f%%", rate / floor * 100), budget: "", met: nil),
            Figure(name: "  one at a time (swift-crypto), \(cores) core(s)", value: Measure.format(median(singleSeconds), "signatures/s"),
                   budget: "", met: nil),
            Figure(name: "  one at a time (swift-crypto), one core", value: Measure.format(median(oneCoreSeconds), "signatures/s"),
                   budget: "", met: nil),
        ]
    }

    /// The bench's signed store at `path`: `count` submissions signed by the
    /// requester's listed ed25519 key. Returns how many were signed.
    static func makeStore(at path: String, count: Int) throws -> Int {
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = try SSHPublicKey(blob: wire { $0.string("ssh-ed25519"); $0.string(Array(key.publicKey.rawRepresentation)) },
                                         comment: "bench")
        let policy = try Policy.parse(source: source(requesterKey: publicKey), file: "signed.yaml")
        let store = try StoreBenchmarks.newStore(at: path, policy: policy)
        return try fill(store, policy: policy, key: key, publicKey: publicKey, count: count).count
    }

    /// What signing adds to one approval: the same approvals through the
    /// command layer, by someone whose key a real `ssh-agent` holds, and by
    /// someone with no key listed (the floor), median of each.
    static func signingCost(quick: Bool) throws -> [Figure] {
        let runs = quick ? 10 : 200
        let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("so-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let keygen = OpenSSHTool.locate("ssh-keygen"), let agentTool = OpenSSHTool.locate("ssh-agent"),
              let add = OpenSSHTool.locate("ssh-add") else { throw BenchError("ssh-keygen, ssh-agent and ssh-add are needed") }
        let keyFile = directory.appendingPathComponent("id").path
        guard ChildProcess.run(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", keyFile], timeout: .seconds(30)).succeeded else {
            throw BenchError("ssh-keygen failed")
        }
        let socket = directory.appendingPathComponent("agent.sock").path
        let agent = try ChildProcess.start(agentTool, ["-D", "-a", socket], stdin: "/dev/null", stdout: "/dev/null", stderr: "/dev/null")
        defer { ChildProcess.stop(agent) }
        while !FileManager.default.fileExists(atPath: socket) { usleep(5_000) }
        var environment = ProcessInfo.processInfo.environment
        environment["SSH_AUTH_SOCK"] = socket
        guard ChildProcess.run(add, ["-q", keyFile], environment: environment, timeout: .seconds(30)).succeeded else {
            throw BenchError("ssh-add failed")
        }
        let line = try String(contentsOfFile: keyFile + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let key = try SSHPublicKey(line: line)

        func medianApproval(keys: Bool) throws -> Double {
            let policy = try Policy.parse(source: source(approverKey: keys ? key : nil), file: "signing-cost.yaml")
            let (store, storeDirectory) = try StoreBenchmarks.newStore("signing-cost", policy: policy)
            defer { try? FileManager.default.removeItem(at: storeDirectory) }
            let dave = Principal(name: "dave", authentication: .asserted)
            var ids: [String] = []
            try store.write { tx in
                for index in 0..<runs {
                    let request = AccessRequest(
                        requester: "dave", subject: Subject(kind: .serviceAccount, name: "svc-\(index)", owner: "dave"),
                        system: "payments-db", environment: "production", entitlement: "read_replica", access: .read,
                        purpose: "nightly reconciliation of the ledger", duration: .hours(8))
                    let id = try tx.nextRequestID()
                    for event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: dave, policy: policy, original: nil, at: Date()) {
                        try tx.append(event)
                    }
                    ids.append(id)
                }
            }
            let commands = Commands(store: store, actor: Principal(name: "erin", authentication: .asserted),
                                    signing: .fromEnvironment(environment, mayPrompt: false))
            var times: [Double] = []
            for id in ids {
                let start = ContinuousClock.now
                let result = try commands.run(Commands.Review(id: id, verdict: .approve, rationale: "read replica only, fine for 8h",
                                                              shownVersion: 1))
                times.append(Measure.seconds(ContinuousClock.now - start))
                if keys, result.events.first?.draft.signature == nil { throw BenchError("an approval was not signed") }
            }
            return times.sorted()[times.count / 2]
        }
        let unsigned = try medianApproval(keys: false)
        let signed = try medianApproval(keys: true)
        let added = (signed - unsigned) * 1000

        // Where the added time goes: each part alone, median of as many runs.
        let client = SSHAgentClient(socketPath: socket)
        let statement = Array(#"{"action":"approve","actor":"erin","schema":"signoff.statement/3"}"#.utf8)
        func median(_ body: () throws -> Void) rethrows -> Double {
            var times: [Double] = []
            for _ in 0..<runs { times.append(try Measure.time(body)) }
            return times.sorted()[times.count / 2] * 1000
        }
        let listing = try median { _ = try client.identities() }
        var made: SSHSignature?
        let signing = try median { made = try client.signature(of: statement, with: key) }
        guard let made else { throw BenchError("the agent made no signature") }
        let verifying = try median { _ = try made.verify(message: statement) }
        func ms(_ value: Double) -> String { String(format: "%.2f ms (median)", value) }
        return [
            Figure(name: "approval signed through ssh-agent (ed25519)", value: String(format: "+%.2f ms (median)", added),
                   budget: "≤ 5 ms added", met: quick ? nil : added <= 5),
            Figure(name: "  the same approval, unsigned", value: ms(unsigned * 1000), budget: "(floor)", met: nil),
            Figure(name: "  of which: agent lists its keys", value: ms(listing), budget: "", met: nil),
            Figure(name: "  of which: agent signs (one connection)", value: ms(signing), budget: "", met: nil),
            Figure(name: "  of which: one signature verified", value: ms(verifying), budget: "", met: nil),
        ]
    }

    static func wire(_ build: (inout SSHWireWriter) -> Void) -> [UInt8] {
        var writer = SSHWireWriter()
        build(&writer)
        return writer.bytes
    }

    /// dave requests, erin approves; either may have `key` listed.
    static func source(requesterKey: SSHPublicKey? = nil, approverKey: SSHPublicKey? = nil) -> String {
        func keys(_ key: SSHPublicKey?) -> String { key.map { "{keys: [\"\($0.openSSHText) bench\"]}" } ?? "{}" }
        return """
            policy: signed-bench
            directory:
              people:
                dave: \(keys(requesterKey))
                erin: \(keys(approverKey))
            catalogue:
              payments-db:
                owners: [erin]
                environments: [production]
                entitlements: [read_replica]
                max_duration: 30d
            route:
              - name: owners
                when: {system: payments-db}
                steps: [{approvers: owners, count: 1}]
            """
    }

    /// `count` submissions by dave, each signed over its statement as his
    /// agent would sign it, in batches of 5,000 per transaction.
    static func fill(_ store: Store, policy: Policy, key: Curve25519.Signing.PrivateKey, publicKey: SSHPublicKey,
                     count: Int) throws -> [(SSHSignature, [UInt8])] {
        let dave = Principal(name: "dave", authentication: .asserted)
        let now = Date()
        var signed: [(SSHSignature, [UInt8])] = []
        signed.reserveCapacity(count)
        let identity = try store.identity() ?? ""
        while signed.count < count {
            try store.write { tx in
                for _ in 0..<min(5_000, count - signed.count) {
                    let request = AccessRequest(
                        requester: "dave", subject: Subject(kind: .serviceAccount, name: "svc-\(signed.count)", owner: "dave"),
                        system: "payments-db", environment: "production", entitlement: "read_replica", access: .read,
                        purpose: "nightly reconciliation of the ledger", duration: .hours(8))
                    let id = try tx.nextRequestID()
                    for var event in Lifecycle.submit(try ScannedRequest(scanning: request), id: id, by: dave, policy: policy, original: nil, at: now) {
                        if case let .requestSubmitted(submitted) = event.body {
                            let payload = CanonicalJSON.submittedPayload(requestJSON: CanonicalJSON.encode(submitted.request))
                            let context = DecisionStatement.Context(policyVersion: policy.version, request: nil, store: identity)
                            guard let statement = DecisionStatement(draft: event, payload: payload, context: context) else {
                                throw BenchError("a submission has no statement")
                            }
                            let signature = SSHSignature(
                                publicKey: publicKey, namespace: SSHSignature.signoffNamespace, hashAlgorithm: .sha512,
                                signature: wire {
                                    $0.string("ssh-ed25519")
                                    $0.string(Array(try! key.signature(for: SSHSignature.signedData(message: statement.bytes))))
                                })
                            event.signature = EventSignature(armored: signature.armored, statement: statement.text)
                            signed.append((signature, statement.bytes))
                        }
                        try tx.append(event)
                    }
                }
            }
        }
        return signed
    }
}
