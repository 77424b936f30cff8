import ArgumentParser
import ModelGet

/// `--key FILE`: the OpenSSH ed25519 key that signs token requests the
/// way ollama signs them.
struct KeyOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Sign token requests with this OpenSSH ed25519 key, for whatever registry is named.",
        discussion: "Default: $MODELGET_OLLAMA_KEY; else ~/.ollama/id_ed25519, used only for registry.ollama.ai, ollama.com, "
            + "hf.co and huggingface.co when they ask for a token and no other credentials are configured for them.",
        valueName: "file"))
    var key: String?

    /// Credentials from the environment and Docker's config, with this key.
    var credentials: CredentialStore { CredentialStore(key: key) }
}
