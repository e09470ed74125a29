import Crypto

/// Checks many ed25519 signatures at once, several times faster than one by
/// one: `audit verify` meets a chain of thousands of them, most by the same
/// few keys.
///
/// What is checked. A signature (R, s) of message M by key A holds here when
/// R is the canonical encoding of a point, s < ℓ, A is a point not of small
/// order, and [8]([s]B - R - [h]A) is the identity, h = SHA-512(R ‖ A ‖ M):
/// RFC 8032's cofactored equation (section 5.1.7 allows it). A batch checks
/// the sum of those terms, each multiplied by a random 128-bit zᵢ: if any
/// signature fails, so does the sum, but for a chance of 2^-128. A batch that
/// fails is halved until each signature that fails stands alone, checked
/// with weight 1, so each signature's verdict is its own, whatever else is in
/// its batch. A key of small order is left to the single check.
///
/// How it differs from checking one at a time (swift-crypto, OpenSSH): those
/// check [s]B - [h]A = R without the factor 8. Every signature they accept
/// with a key not of small order, this accepts. The only signatures this
/// accepts and they refuse differ from a valid one by a point of order at
/// most 8, in R or in the key, and computing one needs the private key:
/// nobody else can make one, so a forger gains nothing.
enum Ed25519Batch {
    struct Item {
        /// The key's 32-byte encoding.
        var publicKey: [UInt8]
        /// R and s, 64 bytes.
        var signature: [UInt8]
        var message: [UInt8]
    }

    /// Whether each item holds. False also for an item this does not judge,
    /// which the caller checks on its own: one whose key has small order (it
    /// verifies signatures anyone can make, and the factor 8 would accept
    /// them for every message).
    static func verify(_ items: [Item]) -> [Bool] {
        var keys: [[UInt8]: ExtendedPoint?] = [:]
        var terms: [Term] = []
        var indices: [Int] = []
        for (index, item) in items.enumerated() {
            guard item.publicKey.count == 32, item.signature.count == 64 else { continue }
            if keys[item.publicKey] == nil {
                let key = item.publicKey.withUnsafeBytes { ExtendedPoint.decompress($0, strict: false) }
                keys[item.publicKey] = .some(key.flatMap { $0.hasSmallOrder ? nil : $0 })
            }
            guard let key = keys[item.publicKey] ?? nil,
                  let term = Term(item, key: key) else { continue }
            terms.append(term)
            indices.append(index)
        }
        var random = SystemRandomNumberGenerator()
        let weights = terms.map { _ in [random.next() as UInt64, random.next() as UInt64] }
        var holds = [Bool](repeating: false, count: items.count)
        // A batch that fails is halved until each signature that fails
        // stands alone, checked with weight 1: k forgeries among n cost
        // about k·log n batches, not n single checks.
        func settle(_ range: Range<Int>) {
            guard range.count > 1 else {
                if let position = range.first { holds[indices[position]] = holdTogether([terms[position]], weights: [[1]]) }
                return
            }
            if holdTogether(Array(terms[range]), weights: Array(weights[range])) {
                for position in range { holds[indices[position]] = true }
                return
            }
            let middle = range.lowerBound + range.count / 2
            settle(range.lowerBound..<middle)
            settle(middle..<range.upperBound)
        }
        settle(terms.indices)
        return holds
    }

    /// One signature, decoded: nil when R or s cannot be those of a valid one.
    struct Term {
        var key: ExtendedPoint
        var keyEncoding: [UInt8]
        var r: ExtendedPoint
        var s: [UInt64]
        /// SHA-512(R ‖ A ‖ M), unreduced, as eight limbs.
        var h: [UInt64]

        init?(_ item: Item, key: ExtendedPoint) {
            let (r, s) = item.signature.withUnsafeBytes { bytes in
                (ExtendedPoint.decompress(UnsafeRawBufferPointer(rebasing: bytes[0..<32]), strict: true),
                 Scalar25519.limbs(UnsafeRawBufferPointer(rebasing: bytes[32..<64])))
            }
            guard let r, Scalar25519.isCanonical(s) else { return nil }
            var hash = SHA512()
            hash.update(data: item.signature[0..<32])
            hash.update(data: item.publicKey)
            hash.update(data: item.message)
            h = hash.finalize().withUnsafeBytes { Scalar25519.limbs($0) }
            (self.key, self.keyEncoding, self.r, self.s) = (key, item.publicKey, r, s)
        }
    }

    /// Whether [8](Σ zᵢ·([sᵢ]B - Rᵢ - [hᵢ]Aᵢ)) is the identity, computed as
    /// [-Σ zᵢsᵢ]B + Σ [zᵢ]Rᵢ + Σ over keys [Σ zᵢhᵢ]A = 0 (times 8), the
    /// negation of the same sum: one multiple of B, one of each key, one of
    /// each R with a 128-bit scalar.
    static func holdTogether(_ terms: [Term], weights: [[UInt64]]) -> Bool {
        guard !terms.isEmpty else { return true }
        // z·h: up to 640 bits; twelve words hold the sum of 2^128 of them.
        let width = 12
        var sumS = [UInt64](repeating: 0, count: width)
        var sumH: [[UInt8]: (point: ExtendedPoint, sum: [UInt64])] = [:]
        var points: [(ExtendedPoint, [UInt64])] = []
        for (term, z) in zip(terms, weights) {
            Scalar25519.multiplyAdd(&sumS, z, term.s)
            Scalar25519.multiplyAdd(&sumH[term.keyEncoding, default: (term.key, [UInt64](repeating: 0, count: width))].sum, z, term.h)
            points.append((term.r, z))
        }
        points.append((.base, Scalar25519.negated(Scalar25519.reduce(sumS))))
        for (_, key) in sumH { points.append((key.point, Scalar25519.reduce(key.sum))) }
        return multiScalarProduct(points).timesEight.isIdentity
    }

    /// Σ [kᵢ]Pᵢ by Straus's method: one shared run of doublings, each point
    /// added in from a table of its odd multiples at its scalar's width-5
    /// non-adjacent digits. Scalars below 2^253.
    static func multiScalarProduct(_ points: [(ExtendedPoint, [UInt64])]) -> ProjectivePoint {
        // Which points to add (table, digit) at each bit position.
        var additions = [[(table: Int, digit: Int8)]](repeating: [], count: 256)
        var tables: [[CachedPoint]] = []
        for (point, scalar) in points {
            let digits = Scalar25519.nonAdjacentForm(scalar)
            var used = false
            for (position, digit) in digits.enumerated() where digit != 0 {
                additions[position].append((tables.count, digit))
                used = true
            }
            guard used else { continue }
            // P, 3P, 5P, … 15P.
            let double = point.projective.doubled.extended.cached
            var multiple = point
            var table = [point.cached]
            for _ in 1..<8 {
                multiple = (multiple + double).extended
                table.append(multiple.cached)
            }
            tables.append(table)
        }
        guard let top = additions.lastIndex(where: { !$0.isEmpty }) else { return .identity }
        var sum = ProjectivePoint.identity
        for position in stride(from: top, through: 0, by: -1) {
            var step = sum.doubled
            for (table, digit) in additions[position] {
                let point = step.extended
                step = digit > 0 ? point + tables[table][Int(digit) / 2] : point - tables[table][Int(-digit) / 2]
            }
            sum = step.projective
        }
        return sum
    }
}
