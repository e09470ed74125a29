import Foundation

/// Runs the console: reads an event from the device (waiting at most the poll
/// interval), updates the model, performs the effects with the backend and
/// feeds their results back, then draws. Polling the change token between key
/// presses makes other approvers' decisions appear without a key press.
public final class ConsoleLoop {
    public private(set) var model: ConsoleModel
    public private(set) var finished = false
    private let backend: any ConsoleBackend
    private let device: any TerminalDevice
    private let glyphs: Glyphs
    private let clock: () -> Date
    private let pollInterval: TimeInterval
    private var lastPoll: Date

    public init(model: ConsoleModel, backend: any ConsoleBackend, device: any TerminalDevice, glyphs: Glyphs,
                pollInterval: TimeInterval = 0.25, clock: @escaping () -> Date = { Date() }) {
        self.model = model
        self.backend = backend
        self.device = device
        self.glyphs = glyphs
        self.pollInterval = pollInterval
        self.clock = clock
        self.lastPoll = clock()
    }

    /// Runs until the approver quits.
    public func run() {
        start()
        while step() {}
    }

    /// Loads the first snapshot and draws the first frame.
    public func start() {
        model.size = device.size
        model.now = clock()
        perform([.loadSnapshot])
        draw()
    }

    /// One turn of the loop; false once the console has quit.
    @discardableResult
    public func step() -> Bool {
        guard !finished else { return false }
        let waitMilliseconds = Int(pollInterval * 1000)
        if let event = device.next(timeoutMilliseconds: waitMilliseconds) {
            switch event {
            case let .key(key): send(.key(key))
            case let .resize(size): send(.resize(size))
            }
        }
        let now = clock()
        if !finished, now.timeIntervalSince(lastPoll) >= pollInterval {
            lastPoll = now
            send(.tick(now))
        }
        if !finished { draw() }
        return !finished
    }

    /// Applies one message and everything it causes.
    public func send(_ message: Message) {
        perform(update(&model, message))
    }

    private func draw() {
        device.draw(view(model, size: model.size, glyphs: glyphs))
    }

    private func perform(_ effects: [Effect]) {
        var queue = effects[...]
        while let effect = queue.popFirst() {
            guard let result = run(effect) else { continue }
            queue.append(contentsOf: update(&model, result))
        }
    }

    /// Does one effect with the backend; the result comes back as a message.
    private func run(_ effect: Effect) -> Message? {
        switch effect {
        case .quit:
            finished = true
            return nil
        case .loadSnapshot:
            do { return .snapshotLoaded(try backend.snapshot()) } catch { return .snapshotFailed(describe(error)) }
        case let .loadDetail(id):
            do { return .detailLoaded(try backend.detail(id: id)) } catch { return .detailFailed(id: id, message: describe(error)) }
        case let .decide(id, verdict, rationale, shownVersion):
            let outcome = backend.decide(id: id, verdict: verdict, rationale: rationale, shownVersion: shownVersion)
            return .decisionResult(id: id, verdict: verdict, outcome: outcome)
        case .pollChanges:
            do { return .changeToken(try backend.changeToken()) } catch { return .changeTokenFailed(describe(error)) }
        }
    }

    private func describe(_ error: any Error) -> String {
        String(describing: error)
    }
}
