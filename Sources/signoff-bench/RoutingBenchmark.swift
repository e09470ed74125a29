import Foundation
import SignoffCore

/// Policy routing of one request on the example policy (≈25 rules).
enum RoutingBenchmark {
    static func run(quick: Bool) throws -> [Figure] {
        let policy = try Workload.policy()
        let requests = Workload.requests(64, policy: policy)
        let at = Date()
        var sink = 0
        var samples: [Double] = []
        let rounds = quick ? 200 : 5000
        for round in 0..<(rounds + 50) {
            let elapsed = Measure.time {
                for request in requests {
                    switch policy.route(request, submittedBy: request.requester ?? "", at: at) {
                    case .steps(_, let steps): sink &+= steps.count
                    case .denied(let matches): sink &+= matches.count
                    case .autoApproved: sink &+= 1
                    case .unroutable: sink &+= 2
                    }
                }
            }
            if round >= 50 { samples.append(elapsed / Double(requests.count)) }
        }
        precondition(sink > 0)
        let median = Measure.percentile(samples, 0.5) * 1e6
        let p99 = Measure.percentile(samples, 0.99) * 1e6
        return [
            Figure(name: "policy routing, median per request", value: String(format: "%.2f µs", median), budget: "≤ 2 µs", met: median <= 2),
            Figure(name: "policy routing, p99 per request", value: String(format: "%.2f µs", p99), budget: "", met: nil),
        ]
    }
}
