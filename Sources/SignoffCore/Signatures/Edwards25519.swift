/// The arithmetic behind checking many ed25519 signatures at once: the field
/// of integers modulo p = 2^255 - 19, the twisted Edwards curve
/// -x² + y² = 1 + d·x²·y² over it (RFC 8032, section 5.1), and integers
/// modulo its group order ℓ. Everything here is variable-time: it handles
/// public values only (keys, signatures, statements), never a secret.
///
/// Used by `Ed25519Batch`; single signatures are checked by swift-crypto.

/// An element of the field modulo p = 2^255 - 19: five limbs of 51 bits,
/// each allowed to grow to 2^54 between reductions (products stay within
/// 128 bits, the carry out of the top limb within 64).
struct FieldElement {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64, l4: UInt64

    static let mask: UInt64 = (1 << 51) - 1
    static let zero = FieldElement(l0: 0, l1: 0, l2: 0, l3: 0, l4: 0)
    static let one = FieldElement(l0: 1, l1: 0, l2: 0, l3: 0, l4: 0)
    /// d = -121665/121666.
    static let d = FieldElement(l0: 929_955_233_495_203, l1: 466_365_720_129_213, l2: 1_662_059_464_998_953,
                                l3: 2_033_849_074_728_123, l4: 1_442_794_654_840_575)
    static let d2 = FieldElement(l0: 1_859_910_466_990_425, l1: 932_731_440_258_426, l2: 1_072_319_116_312_658,
                                 l3: 1_815_898_335_770_999, l4: 633_789_495_995_903)
    /// A square root of -1: 2^((p-1)/4).
    static let sqrtMinusOne = FieldElement(l0: 1_718_705_420_411_056, l1: 234_908_883_556_509, l2: 2_233_514_472_574_048,
                                           l3: 2_117_202_627_021_982, l4: 765_476_049_583_133)

    /// The 255 low bits of 32 little-endian bytes (the top bit is the
    /// caller's: the sign of x in a point's encoding). Not reduced: a value
    /// of p or more stays as it is until `bytes`.
    init(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= 32)
        func load(_ offset: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        l0 = load(0) & Self.mask
        l1 = (load(6) >> 3) & Self.mask
        l2 = (load(12) >> 6) & Self.mask
        l3 = (load(19) >> 1) & Self.mask
        l4 = (load(24) >> 12) & Self.mask
    }

    init(l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64, l4: UInt64) {
        (self.l0, self.l1, self.l2, self.l3, self.l4) = (l0, l1, l2, l3, l4)
    }

    /// The same value reduced below p, each limb below 2^51: the one form
    /// in which equal values have equal limbs.
    var canonical: FieldElement {
        var r = weaklyReduced
        // Whether r ≥ p, found by adding 19 and looking at bit 255.
        var q = (r.l0 &+ 19) >> 51
        q = (r.l1 &+ q) >> 51
        q = (r.l2 &+ q) >> 51
        q = (r.l3 &+ q) >> 51
        q = (r.l4 &+ q) >> 51
        r.l0 &+= 19 &* q
        r.l1 &+= r.l0 >> 51; r.l0 &= Self.mask
        r.l2 &+= r.l1 >> 51; r.l1 &= Self.mask
        r.l3 &+= r.l2 >> 51; r.l2 &= Self.mask
        r.l4 &+= r.l3 >> 51; r.l3 &= Self.mask
        r.l4 &= Self.mask
        return r
    }

    /// The canonical encoding: 32 bytes little-endian.
    var bytes: [UInt8] {
        let r = canonical
        return [r.l0 | r.l1 << 51, r.l1 >> 13 | r.l2 << 38, r.l2 >> 26 | r.l3 << 25, r.l3 >> 39 | r.l4 << 12].littleEndianBytes
    }

    var isZero: Bool {
        let r = canonical
        return r.l0 | r.l1 | r.l2 | r.l3 | r.l4 == 0
    }

    /// Whether the canonical value is odd: RFC 8032's "negative" x.
    var isNegative: Bool { canonical.l0 & 1 == 1 }

    /// Each limb brought below 2^51 plus a little, the carry out of the top
    /// limb folded back in as 19 (2^255 ≡ 19).
    var weaklyReduced: FieldElement {
        let c0 = l0 >> 51, c1 = l1 >> 51, c2 = l2 >> 51, c3 = l3 >> 51, c4 = l4 >> 51
        return FieldElement(l0: (l0 & Self.mask) &+ c4 &* 19, l1: (l1 & Self.mask) &+ c0, l2: (l2 & Self.mask) &+ c1,
                            l3: (l3 & Self.mask) &+ c2, l4: (l4 & Self.mask) &+ c3)
    }

    @inline(__always)
    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        FieldElement(l0: a.l0 &+ b.l0, l1: a.l1 &+ b.l1, l2: a.l2 &+ b.l2, l3: a.l3 &+ b.l3, l4: a.l4 &+ b.l4)
    }

    /// a - b, computed as a + 16p - b so that no limb goes below zero (b's
    /// limbs at most 2^55 - 304, 16p's lowest), then weakly reduced.
    @inline(__always)
    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        FieldElement(l0: (a.l0 &+ 36_028_797_018_963_664) &- b.l0, l1: (a.l1 &+ 36_028_797_018_963_952) &- b.l1,
                     l2: (a.l2 &+ 36_028_797_018_963_952) &- b.l2, l3: (a.l3 &+ 36_028_797_018_963_952) &- b.l3,
                     l4: (a.l4 &+ 36_028_797_018_963_952) &- b.l4).weaklyReduced
    }

    @inline(__always)
    static prefix func - (a: FieldElement) -> FieldElement { zero - a }

    @inline(__always)
    private static func wide(_ a: UInt64, _ b: UInt64) -> UInt128 { UInt128(a) &* UInt128(b) }

    /// Carries five 128-bit column sums into five limbs.
    @inline(__always)
    private static func carry(_ c0: UInt128, _ c1: UInt128, _ c2: UInt128, _ c3: UInt128, _ c4: UInt128) -> FieldElement {
        var c1 = c1, c2 = c2, c3 = c3, c4 = c4
        c1 &+= c0 >> 51
        let r0 = UInt64(truncatingIfNeeded: c0) & mask
        c2 &+= c1 >> 51
        let r1 = UInt64(truncatingIfNeeded: c1) & mask
        c3 &+= c2 >> 51
        let r2 = UInt64(truncatingIfNeeded: c2) & mask
        c4 &+= c3 >> 51
        let r3 = UInt64(truncatingIfNeeded: c3) & mask
        let top = UInt64(truncatingIfNeeded: c4 >> 51)
        let r4 = UInt64(truncatingIfNeeded: c4) & mask
        let low = r0 &+ top &* 19
        return FieldElement(l0: low & mask, l1: r1 &+ (low >> 51), l2: r2, l3: r3, l4: r4)
    }

    @inline(__always)
    static func * (a: FieldElement, b: FieldElement) -> FieldElement {
        let b1 = b.l1 &* 19, b2 = b.l2 &* 19, b3 = b.l3 &* 19, b4 = b.l4 &* 19
        let c0 = wide(a.l0, b.l0) &+ wide(a.l1, b4) &+ wide(a.l2, b3) &+ wide(a.l3, b2) &+ wide(a.l4, b1)
        let c1 = wide(a.l0, b.l1) &+ wide(a.l1, b.l0) &+ wide(a.l2, b4) &+ wide(a.l3, b3) &+ wide(a.l4, b2)
        let c2 = wide(a.l0, b.l2) &+ wide(a.l1, b.l1) &+ wide(a.l2, b.l0) &+ wide(a.l3, b4) &+ wide(a.l4, b3)
        let c3 = wide(a.l0, b.l3) &+ wide(a.l1, b.l2) &+ wide(a.l2, b.l1) &+ wide(a.l3, b.l0) &+ wide(a.l4, b4)
        let c4 = wide(a.l0, b.l4) &+ wide(a.l1, b.l3) &+ wide(a.l2, b.l2) &+ wide(a.l3, b.l1) &+ wide(a.l4, b.l0)
        return carry(c0, c1, c2, c3, c4)
    }

    @inline(__always)
    var squared: FieldElement {
        let d0 = l0 &* 2, d1 = l1 &* 2, t3 = l3 &* 19, t4 = l4 &* 19, e3 = l3 &* 38, e4 = l4 &* 38
        let c0 = Self.wide(l0, l0) &+ Self.wide(l1, e4) &+ Self.wide(l2, e3)
        let c1 = Self.wide(d0, l1) &+ Self.wide(l2, e4) &+ Self.wide(l3, t3)
        let c2 = Self.wide(d0, l2) &+ Self.wide(l1, l1) &+ Self.wide(l3, e4)
        let c3 = Self.wide(d0, l3) &+ Self.wide(d1, l2) &+ Self.wide(l4, t4)
        let c4 = Self.wide(d0, l4) &+ Self.wide(d1, l3) &+ Self.wide(l2, l2)
        return Self.carry(c0, c1, c2, c3, c4)
    }

    /// Squared `count` times.
    func squared(times count: Int) -> FieldElement {
        var r = self
        for _ in 0..<count { r = r.squared }
        return r
    }

    /// self^(2^250 - 1) and self^11, the common start of the two exponentiations.
    private var power250: (FieldElement, FieldElement) {
        let z2 = squared
        let z9 = z2.squared(times: 2) * self
        let z11 = z9 * z2
        let z5 = z11.squared * z9 // 2^5 - 1
        let z10 = z5.squared(times: 5) * z5
        let z20 = z10.squared(times: 10) * z10
        let z40 = z20.squared(times: 20) * z20
        let z50 = z40.squared(times: 10) * z10
        let z100 = z50.squared(times: 50) * z50
        let z200 = z100.squared(times: 100) * z100
        return (z200.squared(times: 50) * z50, z11)
    }

    /// self^((p-5)/8) = self^(2^252 - 3), for square roots.
    var powerP58: FieldElement { power250.0.squared(times: 2) * self }

    /// 1/self (0 for 0): self^(p-2) = self^(2^255 - 21).
    var inverse: FieldElement {
        let (z250, z11) = power250
        return z250.squared(times: 5) * z11
    }

    /// Whether both reduce to the same value modulo p.
    func equals(_ other: FieldElement) -> Bool { (self - other).isZero }
}

/// A point in extended coordinates: x = X/Z, y = Y/Z, x·y = T/Z.
struct ExtendedPoint {
    var x: FieldElement, y: FieldElement, z: FieldElement, t: FieldElement

    static let identity = ExtendedPoint(x: .zero, y: .one, z: .one, t: .zero)

    /// The base point B: y = 4/5, x even.
    static let base: ExtendedPoint = {
        let encoding: [UInt8] = [0x58] + [UInt8](repeating: 0x66, count: 31)
        return encoding.withUnsafeBytes { decompress($0, strict: true)! }
    }()

    /// The point a 32-byte encoding names, or nil when it names none. With
    /// `strict`, also nil for an encoding that is not the canonical one
    /// (y of p or more, or x = 0 marked negative): the encoding a signer's
    /// R must have to be accepted by checking `encode([s]B - [h]A) == R`.
    static func decompress(_ encoding: UnsafeRawBufferPointer, strict: Bool) -> ExtendedPoint? {
        precondition(encoding.count == 32)
        let y = FieldElement(encoding)
        let negative = encoding[31] >> 7 == 1
        if strict {
            var canonical = y.bytes
            canonical[31] |= encoding[31] & 0x80
            guard canonical.elementsEqual(encoding) else { return nil }
        }
        // x² = (y² - 1) / (d·y² + 1) = u / v; x = u·v³·(u·v⁷)^((p-5)/8), up to √-1.
        let yy = y.squared
        let u = yy - .one
        let v = FieldElement.d * yy + .one
        let v3 = v.squared * v
        var x = u * v3 * (u * v3.squared * v).powerP58
        let check = v * x.squared
        if !check.equals(u) {
            guard check.equals(-u) else { return nil }
            x = x * .sqrtMinusOne
        }
        if x.isZero && negative && strict { return nil }
        if x.isNegative != negative { x = -x }
        return ExtendedPoint(x: x, y: y, z: .one, t: x * y)
    }

    /// The canonical encoding (for tests and diagnostics).
    var encoded: [UInt8] {
        let inverse = z.inverse
        let x = x * inverse, y = y * inverse
        var bytes = y.bytes
        if x.isNegative { bytes[31] |= 0x80 }
        return bytes
    }

    var projective: ProjectivePoint { ProjectivePoint(x: x, y: y, z: z) }

    /// Whether this is one of the eight points of small order: [8]P is the identity.
    var hasSmallOrder: Bool { projective.timesEight.isIdentity }

    var cached: CachedPoint {
        CachedPoint(yPlusX: y + x, yMinusX: y - x, z2: z + z, t2d: t * .d2)
    }

    @inline(__always)
    static func + (p: ExtendedPoint, q: CachedPoint) -> CompletedPoint {
        let a = (p.y - p.x) * q.yMinusX
        let b = (p.y + p.x) * q.yPlusX
        let c = p.t * q.t2d
        let d = p.z * q.z2
        return CompletedPoint(x: b - a, y: b + a, z: d + c, t: d - c)
    }

    @inline(__always)
    static func - (p: ExtendedPoint, q: CachedPoint) -> CompletedPoint {
        let a = (p.y - p.x) * q.yPlusX
        let b = (p.y + p.x) * q.yMinusX
        let c = p.t * q.t2d
        let d = p.z * q.z2
        return CompletedPoint(x: b - a, y: b + a, z: d - c, t: d + c)
    }
}

/// A point in projective coordinates, x = X/Z, y = Y/Z: enough to double.
struct ProjectivePoint {
    var x: FieldElement, y: FieldElement, z: FieldElement

    static let identity = ProjectivePoint(x: .zero, y: .one, z: .one)

    @inline(__always)
    var doubled: CompletedPoint {
        let xx = x.squared
        let yy = y.squared
        let zz = z.squared
        let zz2 = zz + zz
        let sum = (x + y).squared
        let yPlus = yy + xx
        let yMinus = yy - xx
        return CompletedPoint(x: sum - yPlus, y: yPlus, z: yMinus, t: zz2 - yMinus)
    }

    var isIdentity: Bool { x.isZero && y.equals(z) }

    /// [8]P: what is left of P without its part of small order.
    var timesEight: ProjectivePoint { doubled.projective.doubled.projective.doubled.projective }

    var extended: ExtendedPoint { ExtendedPoint(x: x * z, y: y * z, z: z.squared, t: x * y) }
}

/// A sum or double before its last multiplications: x = X/Z, y = Y/T.
struct CompletedPoint {
    var x: FieldElement, y: FieldElement, z: FieldElement, t: FieldElement

    @inline(__always)
    var projective: ProjectivePoint { ProjectivePoint(x: x * t, y: y * z, z: z * t) }

    @inline(__always)
    var extended: ExtendedPoint { ExtendedPoint(x: x * t, y: y * z, z: z * t, t: x * y) }
}

/// A point ready to be added: Y+X, Y-X, 2Z and 2d·T.
struct CachedPoint {
    var yPlusX: FieldElement, yMinusX: FieldElement, z2: FieldElement, t2d: FieldElement
}

/// Integers modulo the group order ℓ = 2^252 + c, as little-endian 64-bit
/// limbs. Only what the batch check needs: reducing sums of products, and
/// writing a scalar in width-5 non-adjacent form.
enum Scalar25519 {
    static let order: [UInt64] = [0x5812_631A_5CF5_D3ED, 0x14DE_F9DE_A2F7_9CD6, 0, 0x1000_0000_0000_0000]
    private static let c: [UInt64] = [0x5812_631A_5CF5_D3ED, 0x14DE_F9DE_A2F7_9CD6]

    /// The four limbs of a 32-byte little-endian integer.
    static func limbs(_ bytes: UnsafeRawBufferPointer) -> [UInt64] {
        (0..<bytes.count / 8).map { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
    }

    /// Whether `limbs` (four) are below ℓ: the canonical s of a signature.
    static func isCanonical(_ limbs: [UInt64]) -> Bool { compare(limbs, order) < 0 }

    /// accumulator += a·b, where the accumulator has room for the result.
    static func multiplyAdd(_ accumulator: inout [UInt64], _ a: [UInt64], _ b: [UInt64]) {
        for i in a.indices where a[i] != 0 {
            var carry: UInt64 = 0
            for j in b.indices {
                let product = UInt128(a[i]) &* UInt128(b[j]) &+ UInt128(accumulator[i + j]) &+ UInt128(carry)
                accumulator[i + j] = UInt64(truncatingIfNeeded: product)
                carry = UInt64(truncatingIfNeeded: product >> 64)
            }
            var k = i + b.count
            while carry != 0 {
                let (sum, overflow) = accumulator[k].addingReportingOverflow(carry)
                accumulator[k] = sum
                carry = overflow ? 1 : 0
                k += 1
            }
        }
    }

    /// x mod ℓ, for x of any length; four limbs. Folds the bits above 252
    /// down with 2^252 ≡ -c, adding a multiple of ℓ large enough to keep
    /// the value positive, until it is below 2^253; then subtracts ℓ.
    static func reduce(_ x: [UInt64]) -> [UInt64] {
        var r = x
        while bitLength(r) > 253 {
            let high = shiftedRight(r, by: 252)
            var low = Array(r.prefix(4))
            low[3] &= (1 << 60) - 1
            var product = [UInt64](repeating: 0, count: high.count + c.count + 1)
            multiplyAdd(&product, high, c)
            let multiple = shiftedLeft(order, by: max(0, bitLength(product) - 252))
            r = subtracting(adding(low, multiple), product)
        }
        while compare(r, order) >= 0 { r = subtracting(r, order) }
        return (0..<4).map { $0 < r.count ? r[$0] : 0 }
    }

    /// (ℓ - x) mod ℓ for x below ℓ.
    static func negated(_ x: [UInt64]) -> [UInt64] {
        x.allSatisfy { $0 == 0 } ? x : subtracting(order, x)
    }

    /// `limbs` in width-5 non-adjacent form: 256 digits, each 0 or odd in
    /// -15...15, with at least four zeros after every non-zero one; the sum
    /// of digit·2^index is the scalar. The scalar must be below 2^255.
    static func nonAdjacentForm(_ limbs: [UInt64]) -> [Int8] {
        let width = 5
        var words = [UInt64](repeating: 0, count: 5)
        for (index, limb) in limbs.prefix(4).enumerated() { words[index] = limb }
        var digits = [Int8](repeating: 0, count: 256)
        var position = 0
        var carry: UInt64 = 0
        while position < 256 {
            let word = position / 64, bit = position % 64
            var window = words[word] >> bit
            if bit > 64 - width { window |= words[word + 1] << (64 - bit) }
            window = (window & 31) &+ carry
            if window & 1 == 0 {
                position += 1
                continue
            }
            if window < 16 {
                carry = 0
                digits[position] = Int8(window)
            } else {
                carry = 1
                digits[position] = Int8(window) - 32
            }
            position += width
        }
        precondition(carry == 0, "scalar too large for its non-adjacent form")
        return digits
    }

    static func bitLength(_ x: [UInt64]) -> Int {
        for index in x.indices.reversed() where x[index] != 0 {
            return index * 64 + 64 - x[index].leadingZeroBitCount
        }
        return 0
    }

    static func compare(_ a: [UInt64], _ b: [UInt64]) -> Int {
        for index in (0..<max(a.count, b.count)).reversed() {
            let x = index < a.count ? a[index] : 0, y = index < b.count ? b[index] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }

    static func adding(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var result = [UInt64](repeating: 0, count: max(a.count, b.count) + 1)
        var carry: UInt64 = 0
        for index in 0..<result.count - 1 {
            let (s1, o1) = (index < a.count ? a[index] : 0).addingReportingOverflow(index < b.count ? b[index] : 0)
            let (s2, o2) = s1.addingReportingOverflow(carry)
            result[index] = s2
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        result[result.count - 1] = carry
        return result
    }

    /// a - b, for a ≥ b.
    static func subtracting(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var result = a
        var borrow: UInt64 = 0
        for index in result.indices {
            let (d1, o1) = result[index].subtractingReportingOverflow(index < b.count ? b[index] : 0)
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            result[index] = d2
            borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        precondition(borrow == 0 && (b.count <= a.count || b[a.count...].allSatisfy { $0 == 0 }), "subtracting a larger number")
        return result
    }

    static func shiftedRight(_ x: [UInt64], by bits: Int) -> [UInt64] {
        let words = bits / 64, shift = bits % 64
        guard words < x.count else { return [0] }
        return (words..<x.count).map { index in
            let low = x[index] >> shift
            let high = shift > 0 && index + 1 < x.count ? x[index + 1] << (64 - shift) : 0
            return low | high
        }
    }

    static func shiftedLeft(_ x: [UInt64], by bits: Int) -> [UInt64] {
        let words = bits / 64, shift = bits % 64
        var result = [UInt64](repeating: 0, count: x.count + words + 1)
        for index in x.indices {
            result[index + words] |= x[index] << shift
            if shift > 0 { result[index + words + 1] |= x[index] >> (64 - shift) }
        }
        return result
    }
}

extension [UInt64] {
    /// The words' bytes, least significant first: 64-bit limbs as the
    /// 32-byte little-endian integers of RFC 8032.
    var littleEndianBytes: [UInt8] {
        flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
    }
}
