#!/usr/bin/env python3
"""Rewrites the block between the LATEST markers of weights/README.md from the export/eval
reports and the training log's last progress line (called by export_loop.sh)."""
import json, os, re, sys, datetime

weights, log = sys.argv[1], sys.argv[2]
readme = os.path.join(weights, "README.md")

def load(name):
    try:
        with open(os.path.join(weights, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}

ev = load("eval.json").get("eval", {})
ex = load("export_unet.json").get("unet", {})
last = ""
try:
    with open(log) as f:
        lines = [l.strip() for l in f if l.startswith("unet step")]
    last = lines[-1] if lines else ""
except OSError:
    pass
sizes = []
for comp in ("unet", "vae"):
    p = os.path.join(weights, "embedded", comp, "diffusion_pytorch_model.safetensors")
    if os.path.exists(p):
        sizes.append(f"{comp} {os.path.getsize(p) / 1e6:.1f} MB")
block = "\n".join([
    "<!-- LATEST -->",
    f"Latest export ({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC): UNet step {ex.get('step', '?')} "
    f"(EMA, {ex.get('dtype', '?')}); files: {', '.join(sizes)}.",
    "",
    f"- VAE reconstruction PSNR on {ev.get('held_out_images', '?')} held-out scenes: "
    f"{ev.get('vae_psnr_db', float('nan')):.2f} dB",
    f"- DDIM-{ev.get('sample_steps', 50)} inversion + reconstruction PSNR (8 held-out scenes): "
    f"{ev.get('inversion_psnr_db', float('nan')):.2f} dB",
    f"- samples: `weights/samples_unet.png` (rows 1-2: DDIM-{ev.get('sample_steps', 50)} samples, row 3: real held-out scenes)",
    f"- last progress line: `{last}`",
    "<!-- /LATEST -->",
])
text = open(readme).read() if os.path.exists(readme) else "<!-- LATEST -->\n<!-- /LATEST -->\n"
text = re.sub(r"<!-- LATEST -->.*?<!-- /LATEST -->", lambda m: block, text, flags=re.S)
with open(readme + ".tmp", "w") as f:
    f.write(text)
os.replace(readme + ".tmp", readme)
