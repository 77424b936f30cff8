import ArgumentParser
import Foundation
import ModelGet

/// `--mirror HOST=URL` (repeatable), for the commands that read images:
/// with registries.conf (`RegistriesConfiguration.load`), it makes the
/// operation's `SourceRouter`.
struct MirrorOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Read names under HOST from the registry mirror at URL first (repeatable; tried in order, before registries.conf's mirrors).",
        discussion: "URL is http://host[:port][/path] or https://…; bytes are verified whatever serves them, and a mirror never gets "
            + "HOST's credentials. registries.conf is read as podman reads it: $CONTAINERS_REGISTRIES_CONF, else "
            + "~/.config/containers/registries.conf, else /etc/containers/registries.conf, with registries.conf.d/.",
        valueName: "host=url"))
    var mirror: [String] = []

    func validate() throws {
        var configuration = RegistriesConfiguration.empty
        do {
            for argument in mirror { try configuration.addMirror(argument) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The configuration: registries.conf and the `--mirror`s.
    func configuration() throws -> RegistriesConfiguration {
        var configuration = try RegistriesConfiguration.load()
        for argument in mirror { try configuration.addMirror(argument) }
        return configuration
    }

    /// The operation's router; notes about mirrors go to stderr, or as
    /// `{"event":"note"}` lines with `--json`.
    func router(credentials: CredentialStore, stallTimeout: TimeInterval, retry: RetryPolicy = RetryPolicy(), json: Bool) throws -> SourceRouter {
        SourceRouter(configuration: try configuration(), credentials: credentials, stallTimeout: stallTimeout, retry: retry) { text in
            if json {
                JSONLines.emit(["event": "note", "message": DisplayText.line(text)])
            } else {
                Terminal.printError("modelget: note: " + DisplayText.line(text))
            }
        }
    }
}
