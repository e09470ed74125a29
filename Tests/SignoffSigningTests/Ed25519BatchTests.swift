import Crypto
import Foundation
@testable import SignoffCore
import Testing

/// The batch check of ed25519 signatures against swift-crypto's single
/// check: the same verdict on valid signatures and on every kind of forgery,
/// and the arithmetic under it against the curve's known facts.
struct Ed25519BatchTests {
    static let order: [UInt64] = Scalar25519.order

    /// Signatures by swift-crypto: `count` messages, by `keys` keys in turn.
    static func signed(_ count: Int, keys: Int) throws -> [Ed25519Batch.Item] {
        let signers = (0..<keys).map { _ in Curve25519.Signing.PrivateKey() }
        return try (0..<count).map { index in
            let signer = signers[index % keys]
            let message = Array("statement \(index) \(UUID())".utf8)
            return Ed25519Batch.Item(publicKey: Array(signer.publicKey.rawRepresentation),
                                     signature: Array(try signer.signature(for: message)), message: message)
        }
    }

    static func single(_ item: Ed25519Batch.Item) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: item.publicKey) else { return false }
        return key.isValidSignature(item.signature, for: item.message)
    }

    @Test func theBasePointHasTheGroupOrder() {
        #expect(ExtendedPoint.base.encoded == [0x58] + [UInt8](repeating: 0x66, count: 31))
        #expect(Ed25519Batch.multiScalarProduct([(.base, Self.order)]).isIdentity)
        var almost = Self.order
        almost[0] -= 1
        #expect(!Ed25519Batch.multiScalarProduct([(.base, almost)]).isIdentity)
    }

    @Test func theFieldConstantsAreWhatTheyClaim() {
        // d·121666 = -121665, and √-1 squared is -1.
        let small = { (n: UInt64) in FieldElement(l0: n, l1: 0, l2: 0, l3: 0, l4: 0) }
        #expect((FieldElement.d * small(121_666)).equals(-small(121_665)))
        #expect(FieldElement.d2.equals(FieldElement.d + FieldElement.d))
        #expect(FieldElement.sqrtMinusOne.squared.equals(-FieldElement.one))
        #expect((small(7).inverse * small(7)).equals(.one))
    }

    /// Field arithmetic at the limits its limbs may reach (2^54 into a
    /// product or a difference) against plain multi-word integers.
    @Test func fieldArithmeticAtItsLimbLimitsAgreesWithIntegers() {
        let p = Scalar25519.subtracting(Scalar25519.shiftedLeft([1], by: 255), [19])
        func integer(_ e: FieldElement) -> [UInt64] {
            [e.l0, e.l1, e.l2, e.l3, e.l4].enumerated().reduce([UInt64](repeating: 0, count: 6)) { sum, limb in
                Array(Scalar25519.adding(sum, Scalar25519.shiftedLeft([limb.element], by: 51 * limb.offset)).prefix(6))
            }
        }
        func modP(_ x: [UInt64]) -> [UInt64] {
            var r = x
            while Scalar25519.bitLength(r) > 255 {
                // 2^255 ≡ 19.
                let high = Scalar25519.shiftedRight(r, by: 255)
                var times19 = [UInt64](repeating: 0, count: high.count + 2)
                Scalar25519.multiplyAdd(&times19, high, [19])
                r = Scalar25519.adding(Scalar25519.subtracting(r, Scalar25519.shiftedLeft(high, by: 255)), times19)
            }
            while Scalar25519.compare(r, p) >= 0 { r = Scalar25519.subtracting(r, p) }
            return (0..<4).map { $0 < r.count ? r[$0] : 0 }
        }
        var random = SystemRandomNumberGenerator()
        func element(below bits: UInt64) -> FieldElement {
            func limb() -> UInt64 {
                switch Int.random(in: 0..<4, using: &random) {
                case 0: (1 << bits) - 1
                case 1: 0
                case 2: (1 << 51) - 1
                default: UInt64.random(in: 0..<(1 << bits), using: &random)
                }
            }
            return FieldElement(l0: limb(), l1: limb(), l2: limb(), l3: limb(), l4: limb())
        }
        for _ in 0..<5_000 {
            let a = element(below: 54), b = element(below: 54)
            var product = [UInt64](repeating: 0, count: 13)
            Scalar25519.multiplyAdd(&product, integer(a), integer(b))
            #expect((a * b).bytes == modP(product).littleEndianBytes)
            var square = [UInt64](repeating: 0, count: 13)
            Scalar25519.multiplyAdd(&square, integer(a), integer(a))
            #expect(a.squared.bytes == modP(square).littleEndianBytes)
            let big = element(below: 54)
            // a - b + 16p: what the difference is, made positive.
            let difference = Scalar25519.subtracting(Scalar25519.adding(integer(a), Scalar25519.shiftedLeft(p, by: 4)), integer(big))
            #expect((a - big).bytes == modP(difference).littleEndianBytes)
            #expect((a + b).bytes == modP(Scalar25519.adding(integer(a), integer(b))).littleEndianBytes)
        }
    }

    /// A public key is [a]B for the clamped hash of the seed (RFC 8032
    /// 5.1.5): the scalar multiplication and encoding agree with swift-crypto.
    @Test func scalarMultiplicationMakesSwiftCryptosPublicKeys() {
        for _ in 0..<20 {
            let key = Curve25519.Signing.PrivateKey()
            var digest = Array(SHA512.hash(data: key.rawRepresentation))
            digest[0] &= 248
            digest[31] &= 127
            digest[31] |= 64
            let scalar = digest.withUnsafeBytes { Scalar25519.limbs(UnsafeRawBufferPointer(rebasing: $0[0..<32])) }
            let encoded = Ed25519Batch.multiScalarProduct([(.base, scalar)]).extended.encoded
            #expect(encoded == Array(key.publicKey.rawRepresentation))
            let decoded = encoded.withUnsafeBytes { ExtendedPoint.decompress($0, strict: true) }
            #expect(decoded?.encoded == encoded)
        }
    }

    @Test func reductionModuloTheOrder() {
        #expect(Scalar25519.reduce(Self.order) == [0, 0, 0, 0])
        #expect(Scalar25519.reduce([UInt64](repeating: 0, count: 8)) == [0, 0, 0, 0])
        // (ℓ - 1)² = 1 (mod ℓ).
        var square = [UInt64](repeating: 0, count: 9)
        let minusOne = Scalar25519.subtracting(Self.order, [1])
        Scalar25519.multiplyAdd(&square, minusOne, minusOne)
        #expect(Scalar25519.reduce(square) == [1, 0, 0, 0])
        // 2^512 - 1 mod ℓ, computed with Python's integers.
        #expect(Scalar25519.reduce([UInt64](repeating: .max, count: 8))
            == [0xA406_11E3_449C_0F00, 0xD00E_1BA7_6885_9347, 0xCEEC_73D2_17F5_BE65, 0x0399_411B_7C30_9A3D])
        #expect(Scalar25519.negated([0, 0, 0, 0]) == [0, 0, 0, 0])
        #expect(Scalar25519.negated([1, 0, 0, 0]) == Array(minusOne.prefix(4)))
    }

    @Test func nonAdjacentFormAddsUpToTheScalar() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let scalar = Scalar25519.reduce((0..<4).map { _ in random.next() })
            let digits = Scalar25519.nonAdjacentForm(scalar)
            // Σ digit·2^i, as a signed sum in 5 limbs plus ℓ (to stay positive).
            var positive = [UInt64](repeating: 0, count: 5), negative = [UInt64](repeating: 0, count: 5)
            for (position, digit) in digits.enumerated() where digit != 0 {
                let term = Scalar25519.shiftedLeft([UInt64(abs(Int(digit)))], by: position)
                if digit > 0 { positive = Array(Scalar25519.adding(positive, term).prefix(6)) }
                else { negative = Array(Scalar25519.adding(negative, term).prefix(6)) }
                #expect(digit % 2 != 0 && abs(Int(digit)) <= 15)
            }
            #expect(Scalar25519.compare(Scalar25519.subtracting(positive, negative), scalar) == 0)
            let nonZero = digits.indices.filter { digits[$0] != 0 }
            #expect(zip(nonZero, nonZero.dropFirst()).allSatisfy { $1 - $0 >= 5 })
        }
    }

    @Test func validSignaturesHoldTogether() throws {
        for (count, keys) in [(1, 1), (2, 2), (64, 1), (300, 7)] {
            let items = try Self.signed(count, keys: keys)
            #expect(Ed25519Batch.verify(items) == [Bool](repeating: true, count: count))
        }
        #expect(Ed25519Batch.verify([]) == [])
    }

    /// Each forgery fails alone and in a batch of valid ones, and the valid
    /// ones around it still hold: the verdict is each signature's own.
    @Test func everyForgeryIsNamedAndOnlyIt() throws {
        let valid = try Self.signed(40, keys: 3)
        let other = try Self.signed(1, keys: 1)[0]
        func flipped(_ bytes: [UInt8], at index: Int) -> [UInt8] {
            var bytes = bytes
            bytes[index] ^= 0x01
            return bytes
        }
        var s = valid[4].signature
        // s + ℓ: the same value modulo ℓ, not canonical.
        let sPlusOrder = s[32..<64].withUnsafeBytes { Scalar25519.adding(Scalar25519.limbs($0), Self.order) }
        for (index, limb) in sPlusOrder.prefix(4).enumerated() {
            for byte in 0..<8 { s[32 + index * 8 + byte] = UInt8(truncatingIfNeeded: limb >> (8 * byte)) }
        }
        let forgeries: [(String, Ed25519Batch.Item)] = [
            ("message changed", .init(publicKey: valid[0].publicKey, signature: valid[0].signature, message: valid[0].message + [0x20])),
            ("signed by another key", .init(publicKey: valid[1].publicKey, signature: other.signature, message: other.message)),
            ("signature of another message", .init(publicKey: valid[2].publicKey, signature: valid[5].signature, message: valid[2].message)),
            ("R changed", .init(publicKey: valid[3].publicKey, signature: flipped(valid[3].signature, at: 3), message: valid[3].message)),
            ("s changed", .init(publicKey: valid[6].publicKey, signature: flipped(valid[6].signature, at: 40), message: valid[6].message)),
            ("s not reduced", .init(publicKey: valid[4].publicKey, signature: s, message: valid[4].message)),
            // y = 2 is no point's: (y² - 1)/(d·y² + 1) is not a square.
            ("key not a point", .init(publicKey: [0x02] + [UInt8](repeating: 0, count: 31),
                                      signature: valid[7].signature, message: valid[7].message)),
            ("signature too short", .init(publicKey: valid[8].publicKey, signature: Array(valid[8].signature.prefix(63)), message: valid[8].message)),
        ]
        for (name, forgery) in forgeries {
            #expect(!Self.single(forgery), "\(name): swift-crypto accepts it")
            #expect(Ed25519Batch.verify([forgery]) == [false], "\(name): accepted alone")
            var batch = valid
            batch.insert(forgery, at: 17)
            var expected = [Bool](repeating: true, count: batch.count)
            expected[17] = false
            #expect(Ed25519Batch.verify(batch) == expected, "\(name): not named alone in its batch")
        }
        // An R encoded with y + p (not canonical, the same point) is
        // refused, as encoding [s]B - [h]A never gives it: here the
        // identity, y = 1, and y = 1 + p = 2^255 - 18.
        let small: [UInt8] = [0x01] + [UInt8](repeating: 0, count: 31)
        let wide: [UInt8] = [0xEE] + [UInt8](repeating: 0xFF, count: 30) + [0x7F]
        #expect(wide.withUnsafeBytes { ExtendedPoint.decompress($0, strict: true) } == nil)
        #expect(wide.withUnsafeBytes { ExtendedPoint.decompress($0, strict: false) } != nil)
        #expect(small.withUnsafeBytes { ExtendedPoint.decompress($0, strict: true) } != nil)
    }

    /// A point of order 8: [ℓ]P for a point P outside the prime-order group.
    static func pointOfOrderEight() throws -> ExtendedPoint {
        for y in 3..<40 {
            guard let point = ([UInt8(y)] + [UInt8](repeating: 0, count: 31)).withUnsafeBytes({ ExtendedPoint.decompress($0, strict: false) })
            else { continue }
            let candidate = Ed25519Batch.multiScalarProduct([(point, Self.order)]).extended
            if !Ed25519Batch.multiScalarProduct([(candidate, [4])]).isIdentity { return candidate }
        }
        throw CocoaError(.featureUnsupported)
    }

    /// The one difference from the single check, as documented: whoever
    /// holds a key's private scalar can add a point of order 8 to the key
    /// they publish, or to R, and make signatures the factor 8 forgives and
    /// the single check refuses. Nobody else can make one.
    @Test(arguments: [false, true])
    func aSmallOrderPartIsForgivenByTheCofactoredEquation(inR: Bool) throws {
        let small = try Self.pointOfOrderEight()
        #expect(small.hasSmallOrder)
        var random = SystemRandomNumberGenerator()
        let scalar = Scalar25519.reduce((0..<4).map { _ in random.next() })
        var key = Ed25519Batch.multiScalarProduct([(.base, scalar)]).extended
        if !inR { key = (key + small.cached).extended }
        let encodedKey = key.encoded
        var forgiven = 0
        for index in 0..<16 {
            let message = Array("statement \(index)".utf8)
            let nonce = Scalar25519.reduce((0..<4).map { _ in random.next() })
            var r = Ed25519Batch.multiScalarProduct([(.base, nonce)]).extended
            if inR { r = (r + small.cached).extended }
            let encodedR = r.encoded
            let h = Scalar25519.reduce(Array(SHA512.hash(data: encodedR + encodedKey + message)).withUnsafeBytes { Scalar25519.limbs($0) })
            var s = nonce + [UInt64](repeating: 0, count: 6)
            Scalar25519.multiplyAdd(&s, h, scalar)
            let item = Ed25519Batch.Item(publicKey: encodedKey, signature: encodedR + Scalar25519.reduce(s).littleEndianBytes, message: message)
            // With T in the key, [s]B - [h]A = R - [h]T: the single check holds
            // only where h is a multiple of 8. With T in R, it = R - T: never.
            let single = inR ? false : h[0] % 8 == 0
            #expect(Self.single(item) == single)
            #expect(Ed25519Batch.verify([item]) == [true])
            #expect(Ed25519Batch.verify(try Self.signed(5, keys: 2) + [item]) == [Bool](repeating: true, count: 6))
            if !single { forgiven += 1 }
        }
        #expect(forgiven > 0)
    }

    /// A key of small order verifies signatures anyone can make: R = [s]B
    /// for the identity key. The batch leaves such a key to the single check
    /// (which accepts this one) rather than accept every message for it.
    @Test func aKeyOfSmallOrderIsLeftToTheSingleCheck() throws {
        let identity: [UInt8] = [0x01] + [UInt8](repeating: 0, count: 31)
        let s: [UInt64] = [0x1234_5678, 0, 0, 0]
        let r = Ed25519Batch.multiScalarProduct([(.base, s)]).extended.encoded
        let forged = Ed25519Batch.Item(publicKey: identity, signature: r + s.littleEndianBytes, message: Array("anything".utf8))
        #expect(Self.single(forged))
        #expect(Ed25519Batch.verify([forged]) == [false])
        let valid = try Self.signed(6, keys: 2)
        #expect(Ed25519Batch.verify(valid + [forged]) == [Bool](repeating: true, count: 6) + [false])
    }

    /// Whatever the mix, the batch accepts exactly what swift-crypto accepts.
    @Test func randomMixesAgreeWithTheSingleCheck() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            var items = try Self.signed(50, keys: 4)
            for index in items.indices where Bool.random(using: &random) && Int.random(in: 0..<4, using: &random) == 0 {
                items[index].signature[Int.random(in: 0..<64, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            }
            #expect(Ed25519Batch.verify(items) == items.map(Self.single))
        }
    }
}
