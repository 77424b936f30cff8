import Foundation
import ModelGetCLI

/// The `modelget` executable: runs the command line (`ModelGetCLI`) and
/// exits with its status.
@main
enum Main {
    static func main() async {
        exit(await CommandLineRunner.run(Array(CommandLine.arguments.dropFirst())))
    }
}
