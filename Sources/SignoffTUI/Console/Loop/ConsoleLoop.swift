import Foundation

/// Runs the console: reads an event from the device (waiting at most the poll
/// interval), updates the model, performs the effects with the backend and
/// feeds their results back, then draws. Polling the change token between key
/// presses makes other approvers' decisions appear without a key press.
///
/// A key's frame is drawn before anything is fetched for display: loading the
/// selected request's detail and reading further snapshot pages are deferred,
/// done one per turn while no key is waiting, and drawn again. Keys that arrive
/// meanwhile go first, so a detail for a row already left is never loaded.
/// Decisions and quitting are never deferred.
public final class ConsoleLoop {
    public private(set) var model: ConsoleModel
    public private(set) var finished = false
    private let backend: any ConsoleBackend
    private let device: any TerminalDevice
    private let glyphs: Glyphs
    private let clock: () -> Date
    private let pollInterval: TimeInterval
    private var lastPoll: Date
    /// Rows in the first snapshot page, which the first frame waits for.
    private let firstPageSize: Int
    /// Rows in each later page; one page is read per turn.
    private let pageSize: Int

    /// The detail waiting to be loaded (only the latest request asked for).
    private var pendingDetail: String?
    /// The snapshot page waiting to be read: nil inside for the first page.
    private var pendingPage: Int64??
    /// An event read while finishing start-up, handled by the next step.
    private var heldEvent: TerminalEvent?
    /// The last step stopped handling waiting input at `keysPerFrame`: the
    /// next event is more of the same burst.
    private var burstContinues = false
    /// The last page said the backend is still reading something in the
    /// background: before the next page, wait this long for a key instead of
    /// asking again at once.
    private var backendIsReading = false
    static let backgroundWaitMilliseconds = 20

    /// How long to wait for an event before the next piece of deferred work.
    private var deferredWaitMilliseconds: Int {
        pendingPage != nil && missingDetail == nil && backendIsReading ? Self.backgroundWaitMilliseconds : 0
    }

    public init(model: ConsoleModel, backend: any ConsoleBackend, device: any TerminalDevice, glyphs: Glyphs,
                pollInterval: TimeInterval = 0.25, firstPageSize: Int = 2_000, pageSize: Int = 2_000,
                clock: @escaping () -> Date = { Date() }) {
        self.model = model
        self.backend = backend
        self.device = device
        self.glyphs = glyphs
        self.pollInterval = pollInterval
        self.firstPageSize = max(1, firstPageSize)
        self.pageSize = max(1, pageSize)
        self.clock = clock
        self.lastPoll = clock()
    }

    /// Whether fetching for display is still waiting to be done.
    public var hasDeferredWork: Bool { pendingDetail != nil || pendingPage != nil || missingDetail != nil }

    /// The selected request (or the request of the selected grant or review)
    /// when its detail is neither loaded nor failed: it is wanted however the
    /// selection got there (moving, filtering, reloading).
    /// The selected request's detail, else that of the request an open
    /// decision panel is on (`ConsoleModel.detailEffects`), when not loaded.
    private var missingDetail: String? { model.wantedDetails.first }

    /// At most this many waiting keys are handled between two frames.
    static let keysPerFrame = 512

    /// Runs until the approver quits.
    public func run() {
        start()
        while step() {}
    }

    /// Reads the first snapshot page and draws the first frame, then keeps
    /// reading pages (drawing after each) until the snapshot is whole or the
    /// approver presses a key, which the next `step` handles.
    public func start() {
        model.size = device.size
        model.now = clock()
        perform([.loadSnapshot], deferring: true)
        if pendingPage != nil { runDeferred() }
        draw()
        while hasDeferredWork, !finished {
            if let event = device.next(timeoutMilliseconds: deferredWaitMilliseconds) {
                heldEvent = event
                return
            }
            runDeferred()
            draw()
        }
    }

    /// One turn of the loop; false once the console has quit. Handles one
    /// event if there is one; otherwise does one piece of deferred work, or
    /// waits up to the poll interval for an event when there is none.
    @discardableResult
    public func step() -> Bool {
        guard !finished else { return false }
        let event: TerminalEvent?
        if let held = heldEvent {
            heldEvent = nil
            event = held
        } else {
            event = device.next(timeoutMilliseconds: hasDeferredWork ? deferredWaitMilliseconds : Int(pollInterval * 1000))
        }
        if let event {
            handle(event, withOthers: burstContinues)
            // Keys already waiting (a paste, a held key) are handled before
            // the next frame: one frame per key made a long paste take a minute.
            // They came in with the key before them: none of them submits.
            var drained = 0
            while !finished, drained < Self.keysPerFrame, let next = device.waiting() {
                handle(next, withOthers: true)
                drained += 1
            }
            burstContinues = drained == Self.keysPerFrame
        } else if hasDeferredWork {
            runDeferred()
        }
        let now = clock()
        if !finished, now.timeIntervalSince(lastPoll) >= pollInterval {
            lastPoll = now
            apply(.tick(now))
        }
        if !finished { draw() }
        return !finished
    }

    /// Says on the status line, at once, what the approver must do while a
    /// decision waits for them outside the console (touch a security key).
    /// Called from within the decision, on the loop's thread.
    public func waiting(_ text: String) {
        apply(.waiting(text))
        draw()
    }

    /// Applies one message and everything it causes, deferred work included.
    public func send(_ message: Message) {
        apply(message)
        while hasDeferredWork, !finished {
            if deferredWaitMilliseconds > 0 { Thread.sleep(forTimeInterval: Double(deferredWaitMilliseconds) / 1000) }
            runDeferred()
        }
    }

    /// `withOthers`: the event was already waiting behind another (`Message.keyWithOthers`).
    private func handle(_ event: TerminalEvent, withOthers: Bool) {
        switch event {
        case let .key(key):
            // Approve and deny act on the detail: it must be there first.
            if model.keyNeedsDetail(key), let id = missingDetail {
                pendingDetail = nil
                if let result = run(.loadDetail(id: id)) { apply(result) }
            }
            apply(withOthers ? .keyWithOthers(key) : .key(key))
        case let .paste(text):
            apply(.paste(text))
        case let .resize(size):
            apply(.resize(size))
        case .hangup:
            // Nobody is there to see a draft or a confirmation; what was
            // recorded is in the store, and nothing else can be.
            finished = true
        }
    }

    /// Applies a message, deferring what it asks to fetch for display.
    private func apply(_ message: Message) {
        perform(update(&model, message), deferring: true)
    }

    private func draw() {
        device.draw(view(model, size: model.size, glyphs: glyphs))
    }

    /// Does the most useful piece of deferred work: the selected detail if
    /// still wanted, else the next snapshot page.
    private func runDeferred() {
        pendingDetail = nil
        if let id = missingDetail {
            if let result = run(.loadDetail(id: id)) { apply(result) }
            return
        }
        if let page = pendingPage {
            pendingPage = nil
            let message: Message
            do {
                let loaded = try backend.snapshotPage(after: page, limit: page == nil ? firstPageSize : pageSize)
                backendIsReading = loaded.waiting
                message = .snapshotPageLoaded(loaded)
            } catch {
                backendIsReading = false
                message = .snapshotFailed(describe(error))
            }
            perform(update(&model, message), deferring: true)
        }
    }

    private func perform(_ effects: [Effect], deferring: Bool) {
        var queue = effects[...]
        while let effect = queue.popFirst() {
            if deferring {
                switch effect {
                case let .loadDetail(id):
                    pendingDetail = id
                    continue
                case .loadSnapshot:
                    pendingPage = .some(nil)
                    continue
                case let .loadSnapshotPage(after):
                    pendingPage = after
                    continue
                case .decide, .grantAction, .pollChanges, .quit:
                    break
                }
            }
            // A write may wait for the store's lock (up to SIGNOFF_LOCK_TIMEOUT):
            // the panel says it is recording before the wait, not after.
            switch effect {
            case .decide, .grantAction: draw()
            case .loadDetail, .loadSnapshot, .loadSnapshotPage, .pollChanges, .quit: break
            }
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
        case let .loadSnapshotPage(after):
            do {
                return .snapshotPageLoaded(try backend.snapshotPage(after: after, limit: pageSize))
            } catch {
                return .snapshotFailed(describe(error))
            }
        case let .loadDetail(id):
            do { return .detailLoaded(try backend.detail(id: id)) } catch { return .detailFailed(id: id, message: describe(error)) }
        case let .decide(id, verdict, rationale, shownVersion):
            let outcome = backend.decide(id: id, verdict: verdict, rationale: rationale, shownVersion: shownVersion)
            return .decisionResult(id: id, verdict: verdict, outcome: outcome)
        case let .grantAction(id, action, rationale):
            let outcome = action == .revoke ? backend.revoke(id: id, rationale: rationale)
                                            : backend.completeIncidentReview(id: id, rationale: rationale)
            return .grantActionResult(id: id, action: action, outcome: outcome)
        case .pollChanges:
            do { return .changeToken(try backend.changeToken()) } catch { return .changeTokenFailed(describe(error)) }
        }
    }

    private func describe(_ error: any Error) -> String {
        String(describing: error)
    }
}
