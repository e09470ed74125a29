/// The policy the Jira end-to-end tests import under: the people of the
/// fixtures' sites and of the loopback site, each known by their Jira
/// identities on both, the importer an intake agent that may end access when a
/// ticket closes, and one system whose owners approve.
enum JiraTestPolicy {
    static let source = """
    policy: jira-e2e
    directory:
      people:
        alice: {jira: [5cedcb4355a88a0fc86388ba, acc-alice]}
        bob: {jira: [5c5f880629be9642ba529340, bob@example.com, acc-bob]}
        dave: {jira: acc-dave}
        erin: {}
      intake_agents: [jira-importer]
    catalogue:
      payments-db:
        owners: [dave, erin]
        environments: [staging, production]
        entitlements: [read_replica, schema_migrate]
        max_duration: 30d
    route:
      - name: owners
        when: {system: payments-db}
        steps:
          - {approvers: owners, count: 1}
    roles:
      ticket-system:
        members: [account:jira-importer]
        may: [fire_trigger:ticket_closed]
    """
}
