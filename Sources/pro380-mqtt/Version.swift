/// The version `pro380-mqtt --version` prints; raised with every release.
enum Version {
    static let current = "0.1.0"
}
