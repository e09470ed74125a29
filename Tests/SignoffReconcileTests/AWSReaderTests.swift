import Foundation
import SignoffCore
import Testing
@testable import SignoffReconcile

@Suite struct AWSReaderTests {
    @Test func authorizationDetailsShowWhoHoldsWhichPolicy() throws {
        let run = try Fixtures.read(.aws, ["aws/account-authorization-details.json"])
        let target = try #require(run.observed.coverage.targets.first)
        #expect(target.system == "aws-payments" && target.environment == "production" && target.instance == "123456789012")
        #expect(target.grantTypes == ["policy", "group", "inline_policy"])
        #expect(target.credentials == .none)
        #expect(run.held(by: "svc-ledger-etl") == ["ledger_read@:read"])
        // The deploy policy is mapped as write, but its document allows iam:PassRole on *: administration, which
        // counts over the mapping's level. The inline s3:* on * is more than that, and administers S3.
        #expect(run.held(by: "ci-deployer") == ["-inline-wildcard-s3@:admin", "deploy@:admin"])
        // Through groups: readonly's AWS managed policy is mapped by name, dba is mapped as a group.
        #expect(run.held(by: "alice") == ["read_only@:read"])
        #expect(run.held(by: "erin") == ["rds_admin@:admin", "read_only@:read"])
        #expect(run.held(by: "old-contractor") == ["rds_admin@:admin"])
        // Roles hold policies too; AdministratorAccess is mapped by its ARN.
        #expect(run.held(by: "breakglass-admin") == ["admin@:admin"])
        #expect(run.held(by: "gha-payments-deploy") == ["deploy@:admin"])
        let subjects = Dictionary(run.observed.observations.map { ($0.subject.name, $0.subject) }, uniquingKeysWith: { a, _ in a })
        #expect(subjects["svc-ledger-etl"] == ObservedSubject(kind: .identity(.serviceAccount), name: "svc-ledger-etl", owner: "alice"))
        #expect(subjects["old-contractor"]?.kind == .identity(.human))
        #expect(subjects["gha-payments-deploy"] == ObservedSubject(kind: .unknown, name: "gha-payments-deploy"))
        let inline = try #require(run.observed.observations.first { $0.native.type == "inline_policy" })
        #expect(inline.native.text == "inline policy inline-wildcard-s3 of the user: s3:* on *")
        #expect(inline.sourceID.hasPrefix("arn:aws:iam::123456789012:user/service/ci-deployer"))
    }

    /// An action is a pattern: one that could name an IAM change, wherever
    /// its wildcard is, administers; one that can only read does not.
    @Test(arguments: [
        ("iam:AttachUserPolicy", true), ("*:AttachUserPolicy", true), ("ia?:CreateAccessKey", true), ("iam:*Policy", true),
        ("i*", true), ("*Policy", true), ("iam:Get*", false), ("iam:List*", false), ("*:Get*", false), ("s3:Get*", false),
        ("rds-db:connect", false), ("ec2:Describe*", false), ("s*:PutObject", false), ("iam:?etRole", true),
    ])
    func anActionThatCouldChangeIAMAdministers(_ action: String, _ administers: Bool) {
        #expect(IAMPolicyDocument.administers(action, resources: ["arn:aws:s3:::bucket"]) == administers, "\(action)")
    }

    @Test func assumingAnyRoleAdministersHoweverItIsWritten() {
        for action in ["sts:AssumeRole", "sts:Assume*", "*:AssumeRole", "st?:AssumeRoleWithSAML"] {
            #expect(IAMPolicyDocument.administers(action, resources: ["*"]), "\(action)")
            #expect(!IAMPolicyDocument.administers(action, resources: ["arn:aws:iam::123456789012:role/deploy"]) || action.hasPrefix("*"), "\(action)")
        }
        #expect(!IAMPolicyDocument.administers("sts:GetCallerIdentity", resources: ["*"]))
        for anyRole in ["arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:*"] {
            #expect(IAMPolicyDocument.administers("sts:AssumeRole", resources: [anyRole]), "\(anyRole)")
        }
        #expect(!IAMPolicyDocument.administers("sts:AssumeRole", resources: ["arn:aws:iam::123456789012:role/deploy-*"]))
    }

    @Test func aRealAccountsExportReads() throws {
        // cloudsplaining's example is a real account's export with a few identities of another
        // account mixed in (obama, biden…): as it is, it is not one account, and is refused.
        let mixed = try #require(Fixtures.failure(.aws, [try Fixtures.file("aws/cloudsplaining-example-account-authorization-details.json")]))
        #expect(mixed.message.contains("names account 012345678901, but the rest of the export is account 200611803367"))
        #expect(mixed.field == "$.GroupDetailList[3].Arn" && mixed.position?.line == 750)
        // Without them it is the real account's: 41 users and 75 roles, dates written with a space.
        let data = try Data(contentsOf: Fixtures.directory.appendingPathComponent("aws/cloudsplaining-example-account-authorization-details.json"))
        var root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for list in ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"] {
            root[list] = (root[list] as? [[String: Any]])?.filter { !($0["Arn"] as? String ?? "").contains(":012345678901:") }
                .map { entry -> [String: Any] in
                    var entry = entry
                    entry["GroupList"] = (entry["GroupList"] as? [String])?.filter { !["admin", "biden"].contains($0) }
                    return entry
                }
        }
        let filtered = try JSONSerialization.data(withJSONObject: root)
        let run = try ExportReader.read(.aws, files: [try ExportFile(name: "real.json", bytes: [UInt8](filtered))],
                                        options: ReadOptions(now: Fixtures.now), policy: Fixtures.policy)
        let target = try #require(run.observed.coverage.targets.first)
        #expect(target.environment == "staging" && target.instance == "200611803367")
        let subjects = Set(run.observed.observations.map(\.subject.name))
        #expect(subjects.count > 60)
        // Its administrator roles hold AdministratorAccess, which the catalogue maps by ARN.
        #expect(run.held(by: "OrganizationAccountAccessRole") == ["admin@:admin"])
        // Its privilege-escalation test users hold IAM writes on *: administration.
        #expect(run.observed.observations.contains { $0.subject.name == "fn1-privesc3-partial-user" && $0.access == .admin })
    }

    @Test func credentialReportListsEachActiveCredential() throws {
        let run = try Fixtures.read(.aws, ["aws/credential-report.csv"])
        let target = try #require(run.observed.coverage.targets.first)
        #expect(target.credentials == .all)
        #expect(target.grantTypes == [])
        // It shows no policy or group: an identity it does not list may still hold one.
        #expect(!target.everyGrantType)
        let whole = try Fixtures.read(.aws, ["aws/account-authorization-details.json", "aws/credential-report.csv"])
        #expect(whole.observed.coverage.targets.first?.everyGrantType == true)
        let credentials = run.observed.credentials.map { "\($0.subject.name) \($0.credentialID) \($0.lastUsed)" }.sorted()
        #expect(credentials == [
            "alice password unknown", "ci-deployer access_key_1 never", "dave password unknown", "erin password unknown",
            "old-contractor access_key_1 never", "svc-ledger-etl access_key_2 never",
        ])
        #expect(run.observed.credentials.allSatisfy { $0.rotatedAt == Fixtures.date("2026-12-01T18:38:00Z") })
    }

    @Test func accessKeyListingsNameTheReportsKeys() throws {
        let run = try Fixtures.read(.aws, ["aws/account-authorization-details.json", "aws/credential-report.csv", "aws/list-access-keys.json"])
        let keys = run.observed.credentials.filter { $0.credentialID.hasPrefix("access") }
            .map { "\($0.subject.name) \($0.credentialID) \($0.lastUsed)" }.sorted()
        // The inactive key of svc-ledger-etl is left out; the active ones carry the report's last use.
        #expect(keys == [
            "ci-deployer access key AKIARZPUZDIKJWB4VULR never", "old-contractor access key AKIARZPUZDIKEWHUIJD3 never",
            "svc-ledger-etl access key AKIARZPUZDIKPL7TI3TB never",
        ])
        let etl = try #require(run.observed.credentials.first { $0.subject.name == "svc-ledger-etl" })
        #expect(etl.subject.owner == "alice")
    }

    @Test func aListingAloneCoversItsUsersOnlyAndNeedsTheAccount() throws {
        let listing = try Fixtures.file("aws/list-access-keys.json")
        let error = try #require(Fixtures.failure(.aws, [listing]))
        #expect(error.message.contains("does not say which account"))
        let run = try Fixtures.read(.aws, ["aws/list-access-keys.json"], instance: "123456789012")
        #expect(run.observed.coverage.targets.first?.credentials == .subjects(["svc-ledger-etl", "ci-deployer", "old-contractor"]))
    }

    @Test func refusesWhatIsNotAnAccountExport() throws {
        let entities = try #require(Fixtures.failure(.aws, [try Fixtures.file("aws/list-entities-for-policy.json")]))
        #expect(entities.message.contains("does not say which policy"))
        let pg = try #require(Fixtures.failure(.aws, [try Fixtures.file("postgresql/pg15-grants-export.json")]))
        #expect(pg.message.contains("is not an AWS IAM export"))
        let yaml = try #require(Fixtures.failure(.aws, [try Fixtures.file("kubernetes/rbac-tool-multiple-role-bindings.yaml")]))
        #expect(yaml.message.contains("is not an IAM credential report"))
        let other = try #require(Fixtures.failure(.aws, [try Fixtures.file("aws/account-authorization-details.json")], instance: "999999999999"))
        #expect(other.message.contains("not 999999999999"))
    }

    @Test func refusesPartialExports() throws {
        var text = try String(contentsOf: Fixtures.directory.appendingPathComponent("aws/account-authorization-details.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"RoleDetailList\"", with: "\"RoleDetailListX\"")
        let filtered = try #require(Fixtures.failure(.aws, [try Fixtures.export("filtered.json", text)]))
        #expect(filtered.message.contains("has no RoleDetailList"))
        let page = try #require(Fixtures.failure(.aws, [try Fixtures.export("page.json", """
            {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": [], "IsTruncated": true, "Marker": "abc"}
            """)]))
        #expect(page.message.contains("one page") && page.field == "$.IsTruncated")
        let mixed = text.replacingOccurrences(of: "arn:aws:iam::123456789012:user/dave", with: "arn:aws:iam::000000000000:user/dave")
            .replacingOccurrences(of: "\"RoleDetailListX\"", with: "\"RoleDetailList\"")
        let accounts = try #require(Fixtures.failure(.aws, [try Fixtures.export("mixed.json", mixed)]))
        #expect(accounts.message.contains("names account 000000000000"))
        #expect(accounts.field == "$.UserDetailList[1].Arn")
    }
}
