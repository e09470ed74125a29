/// What `signoff --version` prints. Raised with each release; the install
/// step checks that the installed binary prints it.
enum SignoffVersion {
    static let number = "0.1.0"
    static let text = "signoff \(number)"
}
