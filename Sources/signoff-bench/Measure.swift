import Foundation

/// Timing and memory figures, printed one per line with their budget.
struct Figure {
    var name: String
    var value: String
    var budget: String
    var met: Bool?

    func print() {
        let verdict = met.map { $0 ? "within budget" : "OVER BUDGET" } ?? ""
        Swift.print("\(name.padding(toLength: 46, withPad: " ", startingAt: 0)) \(value.padding(toLength: 26, withPad: " ", startingAt: 0)) budget \(budget.padding(toLength: 22, withPad: " ", startingAt: 0)) \(verdict)")
    }
}

enum Measure {
    static let clock = ContinuousClock()

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Wall time of `body` in seconds.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = clock.now
        try body()
        return seconds(clock.now - start)
    }

    /// CPU seconds (user and system) this process has used so far.
    static func processorSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Wall and CPU seconds of `body`: the CPU is what a disk's swings in wall time do not move.
    static func wallAndProcessorTime(_ body: () throws -> Void) rethrows -> (wall: Double, processor: Double) {
        let start = processorSeconds()
        let wall = try time(body)
        return (wall, processorSeconds() - start)
    }

    static func percentile(_ samples: [Double], _ p: Double) -> Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))
        return sorted[index]
    }

    /// Resident set size of this process, from /proc (Linux); with
    /// `peak`, its high-water mark so far.
    static func residentBytes(peak: Bool = false) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(peak ? "VmHWM:" : "VmRSS:") {
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return kilobytes * 1024
        }
        return 0
    }

    static func format(_ number: Double, _ unit: String) -> String {
        if number >= 1000 { return "\(Int(number.rounded()).formatted()) \(unit)" }
        return String(format: "%.2f %@", number, unit)
    }

    /// A fresh directory for one benchmark's store.
    static func scratchDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("signoff-bench-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
