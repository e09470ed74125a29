import Foundation
import SignoffCore
import Testing
@testable import SignoffReconcile

/// An AWS policy is what its ARN says it is and what its document allows,
/// never what its name claims: anyone who may create policies can call one
/// `ReadOnlyAccess`.
@Suite struct AWSPolicyMappingTests {
    static let account = "123456789012"

    /// An account export where user `svc-report` holds one managed policy, with its document.
    static func export(policyName: String, arn: String, action: String) -> String {
        """
        {"UserDetailList": [{"UserName": "svc-report", "Arn": "arn:aws:iam::\(account):user/svc-report", "GroupList": [],
                             "AttachedManagedPolicies": [{"PolicyName": "\(policyName)", "PolicyArn": "\(arn)"}]}],
         "GroupDetailList": [], "RoleDetailList": [],
         "Policies": [{"PolicyName": "\(policyName)", "Arn": "\(arn)", "DefaultVersionId": "v1",
                       "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
                         "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "\(action)", "Resource": "*"}]}}]}],
         "IsTruncated": false}
        """
    }

    static func observed(_ text: String) throws -> ExportRun {
        try ExportReader.read(.aws, files: [try Fixtures.export("details.json", text)],
                              options: ReadOptions(now: Fixtures.now), policy: Fixtures.policy)
    }

    static let readOnly = grant("REQ-1", system: "aws-payments", subject: "svc-report", entitlement: "read_only", access: .read)

    @Test func aCustomerPolicyNamedLikeAnAWSManagedOneIsNotItsEntitlement() throws {
        // The repro: a policy of the account's own, named ReadOnlyAccess, allowing everything.
        let run = try Self.observed(Self.export(policyName: "ReadOnlyAccess", arn: "arn:aws:iam::\(Self.account):policy/ReadOnlyAccess", action: "*"))
        let observation = try #require(run.observed.observations.first)
        #expect(observation.entitlement == nil && observation.access == .admin && observation.native.name == "ReadOnlyAccess")
        let result = Reconciliation.compare(grants: [Self.readOnly], observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(result.matched == 0)
        // Not the approved read_only: beyond what the subject's grant approved.
        #expect(result.findings.map { "\($0.kind.rawValue) \($0.entitlement ?? "-") \($0.native?.key ?? "-")" }
            == ["wider - policy arn:aws:iam::\(Self.account):policy/ReadOnlyAccess", "not_provisioned read_only -"])
        let alone = Reconciliation.compare(grants: [], observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(alone.findings.filter { $0.kind == .unapproved }.map(\.entitlement) == [nil])
    }

    @Test func theAWSManagedPolicyIsMatchedByItsARN() throws {
        let run = try Self.observed(Self.export(policyName: "ReadOnlyAccess", arn: "arn:aws:iam::aws:policy/ReadOnlyAccess", action: "s3:GetObject"))
        #expect(run.observed.observations.first?.entitlement == "read_only")
        let result = Reconciliation.compare(grants: [Self.readOnly], observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(result.matched == 1 && result.findings.isEmpty)
    }

    @Test func aCustomerPolicyIsMappedByItsARNWithTheAccountOrAStar() throws {
        let run = try Self.observed(Self.export(policyName: "payments-deploy", arn: "arn:aws:iam::\(Self.account):policy/payments-deploy",
                                                action: "ecs:UpdateService"))
        #expect(run.observed.observations.first?.entitlement == "deploy")
        #expect(AWSSource.mappingNames(.init(name: "x", arn: "arn:aws:iam::\(Self.account):policy/team/x"))
            == ["arn:aws:iam::\(Self.account):policy/team/x", "arn:aws:iam::*:policy/team/x"])
        #expect(AWSSource.mappingNames(.init(name: "ReadOnlyAccess", arn: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"))
            == ["ViewOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"])
    }

    @Test func aMappedPolicyAllowingMoreThanItsMappingIsWider() throws {
        // Mapped as write, but its document allows any action: the content wins.
        let run = try Self.observed(Self.export(policyName: "payments-deploy", arn: "arn:aws:iam::\(Self.account):policy/payments-deploy",
                                                action: "*"))
        let observation = try #require(run.observed.observations.first)
        #expect(observation.entitlement == "deploy" && observation.access == .admin)
        let deploy = grant("REQ-2", system: "aws-payments", subject: "svc-report", entitlement: "deploy", access: .write)
        let result = Reconciliation.compare(grants: [deploy], observed: run.observed, policy: Fixtures.policy, at: Fixtures.now)
        #expect(result.matched == 0)
        let wider = try #require(result.findings.first { $0.kind == .wider })
        #expect(wider.requestID == "REQ-2" && wider.summary.contains("admin where write was approved"))
    }
}
