import ArgumentParser
import ModelGet

/// `--platform os/arch[/variant]`: which image of an index a command uses.
struct PlatformOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The image to pick from an index, os/arch[/variant] (default: this machine).", valueName: "os/arch"))
    var platform: String?

    func validate() throws {
        do { _ = try platform.map(Platform.init(parsing:)) } catch { throw ValidationError("\(error)") }
    }

    /// The platform asked for, else this machine's.
    var value: Platform {
        (try? platform.map(Platform.init(parsing:))) ?? .current
    }
}
