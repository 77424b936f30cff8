// A test double of ollama's blob download (server/download.go at
// fb3076099, Prepare/run/downloadChunk), with Go's own net/http so that
// redirects are handled exactly as ollama's client handles them:
//
//  1. HEAD the registry blob URL (User-Agent ollama/…) for Content-Length.
//  2. GET it with a CheckRedirect that follows redirects to the same
//     hostname and stops at the first one to another; the answer must be
//     307 or 200, and resp.Location() is the direct URL (an error if the
//     final answer carries no Location).
//  3. GET every part from the direct URL with http.DefaultClient: a Range
//     header, no Authorization, no ollama User-Agent.
//
// Only the part size is a flag (ollama: 100 MB minimum), so that a small
// test blob still comes in several parts. Prints "ok <bytes>" and exits 0
// when the file hashes to the digest.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
)

func main() {
	base := flag.String("registry", "", "http://host:port")
	name := flag.String("name", "", "repository, e.g. library/tiny")
	digest := flag.String("digest", "", "sha256:<hex>")
	out := flag.String("o", "", "output file")
	minPart := flag.Int64("min-part", 100*1000*1000, "minimum part size (ollama: 100 MB)")
	flag.Parse()
	if err := download(*base, *name, *digest, *out, *minPart); err != nil {
		fmt.Fprintln(os.Stderr, "ollama-download:", err)
		os.Exit(1)
	}
}

const numDownloadParts = 16
const maxDownloadPartSize = 1000 * 1000 * 1000

func ollamaRequest(method string, u *url.URL) *http.Request {
	req, _ := http.NewRequest(method, u.String(), nil)
	req.Header.Set("User-Agent", "ollama/0.11.0 (amd64 linux) Go/go1.24")
	return req
}

func download(base, name, digest, out string, minPart int64) error {
	requestURL, err := url.Parse(base + "/v2/" + name + "/blobs/" + digest)
	if err != nil {
		return err
	}
	head, err := http.DefaultClient.Do(ollamaRequest(http.MethodHead, requestURL))
	if err != nil {
		return err
	}
	head.Body.Close()
	if head.StatusCode >= 400 {
		return fmt.Errorf("HEAD: status %d", head.StatusCode)
	}
	total, _ := strconv.ParseInt(head.Header.Get("Content-Length"), 10, 64)

	client := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > 10 {
			return errors.New("maximum redirects exceeded (10) for directURL")
		}
		if req.URL.Hostname() == requestURL.Hostname() {
			return nil
		}
		return http.ErrUseLastResponse
	}}
	resp, err := client.Do(ollamaRequest(http.MethodGet, requestURL))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unexpected status code %d", resp.StatusCode)
	}
	directURL, err := resp.Location()
	if err != nil {
		return err
	}

	file, err := os.Create(out)
	if err != nil {
		return err
	}
	defer file.Close()
	size := total / numDownloadParts
	if size < minPart {
		size = minPart
	} else if size > maxDownloadPartSize {
		size = maxDownloadPartSize
	}
	for offset := int64(0); offset < total; offset += size {
		n := size
		if offset+n > total {
			n = total - offset
		}
		req, _ := http.NewRequest(http.MethodGet, directURL.String(), nil)
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, offset+n-1))
		part, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		if part.StatusCode != http.StatusPartialContent && part.StatusCode != http.StatusOK {
			part.Body.Close()
			return fmt.Errorf("part at %d: status %d", offset, part.StatusCode)
		}
		written, err := io.CopyN(&offsetWriter{file, offset}, part.Body, n)
		part.Body.Close()
		if err != nil {
			return fmt.Errorf("part at %d: %d of %d bytes: %v", offset, written, n, err)
		}
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	hash := sha256.New()
	if _, err := io.Copy(hash, file); err != nil {
		return err
	}
	if got := "sha256:" + hex.EncodeToString(hash.Sum(nil)); got != digest {
		return fmt.Errorf("digest mismatch: %s", got)
	}
	fmt.Printf("ok %d\n", total)
	return nil
}

// offsetWriter is io.NewOffsetWriter (Go 1.20), for Debian 12's Go 1.19.
type offsetWriter struct {
	file   *os.File
	offset int64
}

func (w *offsetWriter) Write(p []byte) (int, error) {
	n, err := w.file.WriteAt(p, w.offset)
	w.offset += int64(n)
	return n, err
}
