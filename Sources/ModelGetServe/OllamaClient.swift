/// How serve recognises ollama as the client: its requests carry
/// `User-Agent: ollama/<version> (<arch> <os>) Go/<version>` (`makeRequest`
/// in `server/images.go`). ollama accepts a blob only from a 307 (or a 200
/// that carries a `Location`), then fetches ranged parts from that
/// location without credentials or its User-Agent (`server/download.go`).
/// So a blob GET without `Range` from ollama is answered 307 to a signed
/// link on this server; every other client gets the bytes with 200.
enum OllamaClient {
    static func isOllama(_ userAgent: String?) -> Bool {
        userAgent?.lowercased().hasPrefix("ollama/") ?? false
    }
}
