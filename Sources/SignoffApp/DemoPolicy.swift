/// The example policy (examples/policy.yaml), built into the binary so
/// `signoff demo` works from any directory. A test keeps the two identical.
public enum DemoPolicy {
    public static let source = #"""
# Access policy for Acme's production and staging systems.
#
# How this file is read:
#   - deny rules are checked first; every one that matches is reported and any
#     one of them denies the request. Deny always wins over route.
#   - route rules are checked in order; the first one that matches decides who
#     must approve. A request no route rule covers stays blocked.
#   - built-in denials need no rule: a system, environment or entitlement that is
#     not in the catalogue (catalogue), a duration over the catalogue's limit
#     (max-duration), and for break-glass requests: a requester break_glass does
#     not name (break-glass-not-allowed), a duration over its limit
#     (break-glass-max-duration), no incident (break-glass-incident).
#
# Conditions (under when:) — every entry must hold:
#   field: value            equality            environment: production
#   field: [a, b]           one of              access: [write, admin]
#   field: {op: value}      operator            duration: {over: 8h}
#   any: [{...}, {...}]     any of them holds
#   all: [{...}, {...}]     all of them hold
#   not: {...}              the conditions do not hold
# Operators: is, in, not, over, under, at_least, at_most (access, duration),
#   like (glob: * and ?), matches (regular expression, whole value),
#   in_group (requester, subject.owner, subject.name, submitted_by),
#   present (scope, ticket, incident, labels.<key>, revocation_triggers),
#   includes_all (revocation_triggers).

policy: acme-prod-access

settings:
  minimum_rationale: 20       # characters, after trimming
  pending_timeout: 72h        # `signoff expire` times out requests left undecided this long
  access_starts: approval     # or provisioning: the grant's clock starts when provisioning confirms
  revocation_triggers: [vendor_offboarded]   # besides ticket_closed, owner_departed, incident_resolved

directory:
  people:
    carol: {}                          # VP engineering
    alice: {manager: carol}
    bob: {manager: carol}
    frank: {manager: carol}
    grace: {manager: carol}
    dave: {manager: carol}
    erin: {manager: dave}
    henry: {manager: dave}
    sam: {manager: carol}
    tina: {manager: sam}
    uma: {manager: carol}
    victor: {manager: uma}
    wendy: {manager: uma}
    pat: {manager: carol}
    quinn: {manager: pat}
    ravi: {manager: pat}
    nina: {manager: sam}
  intake_agents: [jira-importer]       # may submit on behalf of a requester
  accounts: [ops]                      # acts on the store without being a person: the provisioning system
  groups:
    sre: [alice, bob, frank, grace]
    dba: [dave, erin, henry]
    security: [sam, tina, nina]
    platform: [alice, grace, uma]
    payments-team: [victor, wendy, uma]
    data-eng: [pat, quinn, ravi]
    security-reviewers: [group:security, carol]
  rotations:
    sre-oncall: {members: [alice, bob, frank, grace], start: 2026-01-05T09:00:00Z, every: 1w}
  delegations:
    # dave is on leave; erin approves for him until the end of March.
    - {from: dave, to: erin, until: 2026-03-31T00:00:00Z}

catalogue:
  payments-db:
    description: Postgres cluster holding card payments
    owners: [dave, group:dba]
    environments: [staging, production]
    entitlements: [read_replica, schema_migrate, superuser]
    max_duration: 30d
    max_duration_by_kind: {human: 7d, ai_agent: 8h}
    max_total: 60d             # with extensions; without max_total nothing is extended past max_duration
    platform:                  # how its access looks where it is granted (signoff reconcile)
      postgresql: {production: payments, staging: payments_staging}   # the database of each environment
      ignore: [postgres]         # the platform's own identities: never findings
      entitlements:
        read_replica: {role: readonly_ledger}              # membership of a role
        schema_migrate: {schema_privilege: CREATE}         # on the schema the request's scope names
        superuser: {attribute: superuser}
  k8s-prod:
    owners: [group:platform]
    environments: [staging, production]
    entitlements: [namespace_viewer, namespace_editor, cluster_admin]
    max_duration: 14d
    max_duration_by_kind: {ai_agent: 4h, human: 3d}
    max_total: 28d
    platform:
      kubernetes: {production: prod-eu1, staging: staging-eu1}        # the cluster of each environment
      ignore: ["system:kube-*", "system:node:*", "kube-system:*"]   # Kubernetes' own users (never a group: groups are always compared) and kube-system's service accounts
      entitlements:
        namespace_viewer: {cluster_role: view}     # bound in the namespace the scope names; cluster-wide without one
        namespace_editor: {cluster_role: edit}
        cluster_admin: {cluster_role: cluster-admin}
  billing-api:
    owners: [victor, wendy]
    environments: [staging, production]
    entitlements: [api_read, api_write, refunds]
    max_duration: 90d
    max_duration_by_kind: {human: 14d}
  data-warehouse:
    owners: [group:data-eng]
    environments: [staging, production]
    entitlements: [analyst, loader, warehouse_admin]
    max_duration: 90d
  github-org:
    owners: [uma, alice]
    environments: [staging, production]
    entitlements: [repo_read, repo_write, org_admin]
    max_duration: 180d
    platform:
      github: {production: acme, staging: acme-sandbox}   # the organization of each environment
      entitlements:
        repo_read: {permission: repository/contents, access: read}   # one permission, two levels
        repo_write: {permission: repository/contents, access: write}
        org_admin: {permission: organization/administration}
  vault:
    owners: [group:security]
    environments: [staging, production]
    entitlements: [secret_read, secret_write, policy_admin]
    max_duration: 7d
    max_duration_by_kind: {ai_agent: 1h}
  aws-payments:
    description: The payments AWS account
    owners: [group:platform]
    environments: [staging, production]
    entitlements: [ledger_read, deploy, read_only, rds_admin]
    max_duration: 30d
    platform:
      aws: {production: "123456789012", staging: "210987654321"}   # the account of each environment
      entitlements:
        ledger_read: {policy: "arn:aws:iam::*:policy/ledger-read-replica", access: read}   # yours: by ARN (* is each environment's account)
        deploy: {policy: "arn:aws:iam::*:policy/payments-deploy", access: write}
        read_only: {policy: ReadOnlyAccess, access: read}
        rds_admin: {group: dba, access: admin}                     # membership of an IAM group

# What reconciliation allows (signoff reconcile). These are the defaults.
reconciliation:
  removal_grace: 24h          # ended access may remain this long before it is a finding
  credentials: {max_age: 90d, max_unused: 45d}   # rotate keys and tokens; remove idle ones
  exceptions: {max_duration: 90d}                # the longest a finding may be accepted for

# Emergencies. Without this section every break-glass request is denied.
break_glass:
  raised_by: [group:sre, group:dba]        # who may raise one
  max_duration: 4h
  incident_required: true
  post_incident_review: {reviewers: group:security-reviewers, within: 72h}
  # When the on-call approver does not answer within 15 minutes, an SRE may
  # activate their own request; it is marked self-activated and reviewed.
  self_activation: {allowed: [group:sre], after: 15m}

# Who may do what besides approving. An action no role grants is held by the
# account that created the store, so leaving a role out never locks a store.
roles:
  administrators:                      # apply a policy, set the hand-off, change the store's settings
    members: [person:carol, person:dave, account:ops]
    may: [apply_policy, configure_hand_off, change_settings]
  provisioning:                        # reports that provisioning carried out (or failed) a grant
    members: [account:ops]
    may: [report_provisioning]
  reconciliation:                      # records what the identity platforms' exports show (signoff reconcile)
    members: [account:ops]
    may: [reconcile]
  security:                            # may revoke any grant, accept a reconciliation finding as an exception, send one for removal
    members: [group:security]
    may: [revoke_any_grant, except_finding, request_removal]
  ticket-system:                       # the Jira importer closes access with the ticket
    members: [account:jira-importer]
    may: [fire_trigger:ticket_closed]
  on-call:
    members: [rotation:sre-oncall]
    may: [fire_trigger:incident_resolved]
  people-team:
    members: [person:carol]
    may: [fire_trigger:owner_departed, fire_trigger:vendor_offboarded]

deny:
  - name: no-ai-admin-in-prod
    when: {subject.kind: ai_agent, access: admin, environment: production}
    reason: AI agents never get admin in production
  - name: break-glass-humans-only
    when: {break_glass: true, subject.kind: {not: human}}
    reason: break-glass is for people on call, not for credentials
  - name: prod-write-needs-ticket
    when: {environment: production, access: {at_least: write}, ticket: {present: false}, break_glass: false}
    reason: production write or admin access needs a ticket
  - name: no-long-lived-api-keys
    when: {subject.kind: api_key, duration: {over: 30d}}
    reason: API keys are rotated at least monthly
  - name: vault-policy-admin-security-only
    when: {system: vault, entitlement: policy_admin, requester: {not: {in_group: security}}}
    reason: only the security team may hold vault policy admin
  - name: no-contractor-prod
    when: {labels.employment: contractor, environment: production}
    reason: contractors work in staging only
  - name: expiring-credentials-need-trigger
    when:
      subject.kind: [service_account, oauth_client, workload_identity]
      environment: production
      revocation_triggers: {present: false}
    reason: production credentials must name what revokes them (e.g. ticket_closed)

route:
  # Emergencies first: one on-call engineer, right now.
  - name: break-glass
    when: {break_glass: true}
    steps:
      - {approvers: rotation:sre-oncall, count: 1}

  # Anything in staging that only reads is routine.
  - name: staging-read
    when: {environment: staging, access: read}
    approve: automatically

  - name: staging-ci-service-accounts
    when: {environment: staging, subject.kind: service_account, subject.name: {like: "ci-*"}}
    approve: automatically

  - name: payments-db-superuser
    when: {system: payments-db, entitlement: superuser, environment: production}
    steps:
      - {approvers: owners, count: 2}
      - {approvers: group:security, count: 1, exclude: [subject_owner]}

  - name: payments-db-migrations
    when: {system: payments-db, entitlement: schema_migrate}
    steps:
      - {approvers: owners, count: 1}
      - {approvers: manager, count: 1}

  - name: refunds
    when: {system: billing-api, entitlement: refunds}
    steps:
      - {approvers: owners, count: 1}
      - {approvers: group:security, count: 1}

  - name: vault-production
    when: {system: vault, environment: production}
    steps:
      - {approvers: group:security-reviewers, count: 2, exclude: [subject_owner]}

  - name: ai-agents-in-production
    when: {subject.kind: ai_agent, environment: production}
    steps:
      - {approvers: owners, count: 1}
      - {approvers: subject_owner_manager, count: 1}
      - {approvers: group:security, count: 1}

  - name: cluster-admin
    when: {system: k8s-prod, entitlement: cluster_admin}
    steps:
      - {approvers: owners, count: 2}

  - name: github-org-admin
    when: {system: github-org, entitlement: org_admin}
    steps:
      - {approvers: person:uma, count: 1}
      - {approvers: group:security, count: 1}

  - name: warehouse-pii
    when: {system: data-warehouse, scope: {matches: "pii(\\.[a-z_]+)?"}}
    steps:
      - {approvers: owners, count: 1}
      - {approvers: group:security, count: 1}

  - name: payments-team-own-services
    when: {system: billing-api, subject.owner: {in_group: payments-team}, access: {at_most: write}}
    steps:
      - {approvers: owners, count: 1}

  - name: production-admin
    when: {environment: production, access: admin}
    steps:
      - {approvers: owners, count: 1}
      - {approvers: group:security, count: 1, exclude: [subject_owner]}

  - name: production-write
    when: {environment: production, access: write}
    steps:
      - {approvers: owners, count: 1}
      - {approvers: manager, count: 1}

  - name: production-read
    when: {environment: production, access: read}
    steps:
      - {approvers: owners, count: 1}

  - name: staging-write
    when: {environment: staging, access: [write, admin]}
    steps:
      - {approvers: owners, count: 1}

"""#
}
