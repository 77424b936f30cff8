import Foundation

// modelget-testkit: fixtures for demos and benchmarks, on the command line.
// Exit status: 0 done, 1 failed, 2 bad usage.

let usage = """
    usage:
    \(SeedCommand.usage)
    \(RegistryCommand.usage)
    \(CDNCommand.usage)
    \(FarCommand.usage)
    """

let arguments = CommandLine.arguments.dropFirst()
do {
    switch arguments.first {
    case "seed": try SeedCommand.run(arguments.dropFirst())
    case "registry": try RegistryCommand.run(arguments.dropFirst())
    case "cdn": try CDNCommand.run(arguments.dropFirst())
    case "far": try FarCommand.run(arguments.dropFirst())
    case "help", "--help", "-h": print(usage)
    default: throw UsageError(arguments.first.map { "unknown command \($0)" } ?? "no command given")
    }
} catch let error as UsageError {
    FileHandle.standardError.write(Data("modelget-testkit: \(error.message)\n\(usage)\n".utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("modelget-testkit: \(error)\n".utf8))
    exit(1)
}
