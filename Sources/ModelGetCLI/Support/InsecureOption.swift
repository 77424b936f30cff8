import ArgumentParser

/// `--insecure`: for the commands that talk to a registry named on the
/// command line.
struct InsecureOption: ParsableArguments {
    @Flag(name: .long, help: "Allow plain HTTP and unverified TLS for the registry.")
    var insecure = false
}
