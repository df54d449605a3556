// capture.js: "Download for Wireshark". A capture is a pcap file of the
// letters the view plays: the frames a capture on the town's network would
// hold, with the same addresses, ports and sequence numbers as the town,
// and the DNS, TLS, QUIC and TFTP messages the letters stand for
// (docs/wireshark.md). The server writes it (/api/pcap); the static build
// has none of the server, so export-static writes the capture of every
// lesson at the lesson's own seed, on each OS, into its pcap/ folder.

import { t } from "./i18n.js";
import { basePath } from "./page.js";
/**
 * captureSource says where the capture of what a viewer plays comes from:
 * {url, file} to download, or {why}, a sentence that says why there is none
 * here. v: {meta (the session's lesson info: id, os, seed, lab), session
 * (its id), wasm (the module's URL in the static build, else "")}.
 */
export function captureSource(v) {
  const m = v.meta;
  if (!m) return { why: t("The lesson has not loaded yet.") };
  const os = m.os || "linux";
  if (v.wasm) {
    if (m.lab || !m.id) {
      return { why: t("This copy of Portville runs without a server, and only has the captures of the lessons. Save the lab as a scenario and run portville run --file portville-lab.yaml --format pcap -o lab.pcap.") };
    }
    const name = `${m.id}-${os}-seed${m.seed}.pcap`;
    return { url: new URL(`../pcap/${name}`, new URL(v.wasm, location.href)).href, file: `portville-${name}`, static: true,
      why: t("This copy of Portville runs without a server, and has the captures of each lesson at its own seed only. For seed {seed}: {command}", { seed: m.seed, command: `portville run --lesson ${m.id} --os ${os} --seed ${m.seed} --format pcap -o ${m.id}.pcap` }) };
  }
  if (m.id && !m.lab) {
    const q = new URLSearchParams({ lesson: m.id, os, seed: String(m.seed) });
    return { url: `${basePath()}/api/pcap?${q}`, file: `portville-${m.id}-${os}-seed${m.seed}.pcap` };
  }
  if (!v.session) return { why: t("The session has not started yet.") };
  return { url: `${basePath()}/api/pcap?${new URLSearchParams({ session: v.session })}`, file: `portville-${m.lab ? "lab" : "scenario"}-${os}-seed${m.seed}.pcap` };
}

/** staticCaptures returns the URLs of the captures the static build has (pcap/index.json beside url). */
async function staticCaptures(url) {
  const index = new URL("index.json", url);
  try {
    const names = await (await fetch(index)).json();
    return new Set(names.map((n) => new URL(n, index).href));
  } catch {
    return new Set();
  }
}

/** pcapHeaderBytes is the size of a capture with no frame: its file header. */
const pcapHeaderBytes = 24;

/**
 * download fetches a capture and saves it, or says why it cannot:
 * notice(text) shows a sentence to the user.
 */
export async function download(src, notice) {
  if (src.static && !(await staticCaptures(src.url)).has(src.url)) {
    notice(src.why);
    return;
  }
  if (!src.url) {
    notice(src.why);
    return;
  }
  let resp;
  try {
    resp = await fetch(src.url);
  } catch {
    notice(t("The capture could not be fetched: the connection to the server failed."));
    return;
  }
  if (!resp.ok) {
    let msg = t("The server could not write the capture ({status}).", { status: resp.status });
    if (!src.static) {
      try {
        msg = (await resp.json()).error || msg;
      } catch {
        /* not JSON: keep the status */
      }
    }
    notice(msg);
    return;
  }
  const blob = await resp.blob();
  if (blob.size <= pcapHeaderBytes) {
    notice(t("No letter has crossed the street yet, so there is nothing to capture: run a command first."));
    return;
  }
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = src.file;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 1000);
  notice(`Saved ${src.file} (${blob.size.toLocaleString("en")} bytes): open it with Wireshark, or read it with tshark -r ${src.file}.`);
}
