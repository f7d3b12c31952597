#!/usr/bin/env bash
# Generates the system prompts and the music on hold in media/prompts/:
#
#   media/prompts/<lang>/<name>.wav   Swedish (sv) and English (en) speech by
#                                     espeak-ng, a 1 kHz beep by sox
#   media/prompts/moh/default.wav     music on hold, synthesised by sox
#   media/prompts/manifest.json       name, language, text, file and duration
#
# Every file is 8 kHz mono 16-bit PCM WAV: what G.711 carries, so the media
# engine never has to resample a system prompt. Speech is trimmed of leading
# and trailing silence (the builders in media/speech.ts join pieces) and
# normalised to -3 dBFS peak; confirmations, which end a call, then get a
# tail of silence (below).
#
# Reproducible and idempotent: the same espeak-ng and sox give the same bytes
# (no dither, sox's repeatable mode), and every run rebuilds the whole set in
# a scratch folder and then replaces sv/, en/, moh/ and the manifest, so a
# prompt removed from the lists below disappears from the tree too.
#
# Needs: espeak-ng, sox (Debian: apt-get install espeak-ng sox), node.
# Usage: bash scripts/make-prompts.sh [output-dir]   (default media/prompts)
set -euo pipefail
export LC_ALL=C.UTF-8

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../media/prompts}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

for c in espeak-ng sox node; do
  command -v "$c" >/dev/null 2>&1 || { echo "make-prompts: '$c' is missing (apt-get install espeak-ng sox)" >&2; exit 1; }
done

# Output format and levels.
RATE=8000
SPEECH_PEAK_DB=-3   # speech peaks at -3 dBFS
BEEP_PEAK_DB=-10    # a sine is ~10 dB louder than speech at the same peak
MOH_PEAK_DB=-8      # music sits a little under the speech

# Voices: espeak-ng's own Swedish and (British) English, a calm rate in words
# per minute (espeak's default is 175), a touch lower pitch, short word gaps.
declare -A VOICE=([sv]=sv [en]=en)
declare -A SPEED=([sv]=140 [en]=145)
PITCH=45
WORDGAP=1   # in 10 ms units

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
mkdir -p "$stage/sv" "$stage/en" "$stage/moh"

# sox without dither (it would add noise and differ between builds) in
# repeatable mode; -V1 keeps its warnings about clipping-free gain quiet.
SOX=(sox -D -R -V1)

# The prompt table: language|name|text[|what espeak is given instead]. The
# last field, in [[ ]], is espeak phoneme input, used where espeak's
# dictionary stresses a word wrongly; the manifest keeps the readable text.
# Digits inside sentences are written out so espeak cannot misread them.
table="$work/table.tsv"
cat >"$table" <<'EOF'
sv|welcome|Välkommen, och tack för att du ringer.
en|welcome|Welcome, and thank you for calling.
sv|closed|Vi har stängt just nu. Välkommen att ringa igen under våra öppettider.
en|closed|We are closed right now. You are welcome to call again during our opening hours.
sv|queue_position_prefix|Du är nummer
en|queue_position_prefix|You are number
sv|queue_position_suffix|i kön.
en|queue_position_suffix|in the queue.
sv|estimated_wait_prefix|Beräknad väntetid är
en|estimated_wait_prefix|The estimated waiting time is
sv|minute|minut|[[mIn'u-t]]
en|minute|minute.
sv|minutes|minuter|[[mIn'u-tE-R]]
en|minutes|minutes.
sv|second|sekund.
en|second|second.
sv|seconds|sekunder.
en|seconds|seconds.
sv|press_1_callback|Tryck ett om du vill bli uppringd. Du behåller din plats i kön.
en|press_1_callback|Press one to be called back. You keep your place in the queue.
sv|callback_confirm_number|Vi ringer upp dig på numret
en|callback_confirm_number|We will call you back on
sv|callback_confirmed|Tack. Vi ringer upp dig när det är din tur. Du kan lägga på nu.
en|callback_confirmed|Thank you. We will call you back when it is your turn. You can hang up now.
sv|callback_enter_number|Slå det nummer vi ska ringa upp dig på, och avsluta med fyrkant.
en|callback_enter_number|Please enter the number we should call you back on, followed by the hash key.
sv|please_hold|Var god dröj.
en|please_hold|Please hold.
sv|all_agents_busy|Just nu är alla våra medarbetare upptagna. Var god dröj, så svarar vi så snart vi kan.
en|all_agents_busy|All our agents are busy at the moment. Please hold, and we will answer as soon as we can.
sv|invalid_choice|Ogiltigt val. Försök igen.
en|invalid_choice|That is not a valid choice. Please try again.
sv|goodbye|Tack för att du ringde. Hej då.
en|goodbye|Thank you for calling. Goodbye.
sv|record_after_beep|Spela in ditt meddelande efter tonen. Tryck fyrkant när du är klar.
en|record_after_beep|Record your message after the tone. Press the hash key when you are done.
sv|recording_saved|Din inspelning har sparats.
en|recording_saved|Your recording has been saved.
sv|press_1_save_2_rerecord|Tryck ett för att spara inspelningen, eller två för att spela in igen.
en|press_1_save_2_rerecord|Press one to save the recording, or two to record it again.
sv|enter_pin|Slå din pinkod och avsluta med fyrkant.
en|enter_pin|Please enter your pin code, followed by the hash key.
sv|wrong_pin|Fel pinkod. Försök igen.
en|wrong_pin|The pin code is wrong. Please try again.
sv|thank_you|Tack.
en|thank_you|Thank you.
sv|avalanche_on|Lavinmeddelandet är på.
en|avalanche_on|The avalanche message is on.
sv|avalanche_off|Lavinmeddelandet är av.
en|avalanche_off|The avalanche message is off.
sv|choose_slot|Välj vilket meddelande du vill spela in.
en|choose_slot|Choose the announcement to record.
sv|press|Tryck
en|press|Press
sv|for_announcement|för meddelande
en|for_announcement|for announcement
sv|slot_vaxel_sprakval|för växelns språkval.
en|slot_vaxel_sprakval|for the switchboard's language choice.
sv|slot_vaxel_stangt|för växelns stängt-meddelande.
en|slot_vaxel_stangt|for the switchboard's closed message.
sv|slot_kundtjanst_halsning|för kundtjänstens hälsning.
en|slot_kundtjanst_halsning|for customer service's greeting.
sv|slot_kundtjanst_stangt|för kundtjänstens stängt-meddelande.
en|slot_kundtjanst_stangt|for customer service's closed message.
sv|slot_kustbanken_reklam|för reklammeddelandet.
en|slot_kustbanken_reklam|for the advertisement.
sv|slot_lavin_1|för lavinmeddelande ett.
en|slot_lavin_1|for avalanche message one.
sv|slot_lavin_2|för lavinmeddelande två.
en|slot_lavin_2|for avalanche message two.
EOF

# Numbers: 0-100 read by espeak from digits (sv "tjugoett", en "twenty one"),
# the whole hundreds as one word each (sv "tvåhundra", en "two hundred"),
# and the pieces media/speech.ts composes larger numbers from.
{
  for lang in sv en; do
    for n in $(seq 0 100); do echo "$lang|number_$n|$n"; done
    for h in 2 3 4 5 6 7 8 9; do echo "$lang|number_${h}00|${h}00"; done
    echo "$lang|number_1000|1000"
  done
  echo "sv|number_100|etthundra"
  echo "sv|number_thousand|tusen"
  echo "en|number_thousand|thousand"
  echo "sv|number_million|miljon"
  echo "en|number_million|million"
  echo "sv|number_millions|miljoner"
  echo "en|number_and|and"
  echo "sv|number_1_common|en"
} >>"$table"
# A later line for the same language and name wins (sv number_100 is
# "etthundra", not espeak's reading of "100").
awk -F'|' '{ key = $1 "|" $2; if (!(key in seen)) order[++n] = key; seen[key] = $0 }
           END { for (i = 1; i <= n; i++) print seen[order[i]] }' "$table" >"$work/prompts.tsv"

speak() { # lang name text
  local lang="$1" name="$2" text="$3"
  espeak-ng -v "${VOICE[$lang]}" -s "${SPEED[$lang]}" -p "$PITCH" -g "$WORDGAP" -w "$work/raw.wav" -- "$text"
  "${SOX[@]}" "$work/raw.wav" -r "$RATE" -c 1 -b 16 -e signed-integer "$stage/$lang/$name.wav" \
    highpass 80 \
    silence 1 0.01 0.1% reverse silence 1 0.01 0.1% reverse \
    rate -v "$RATE" \
    fade t 0.005 reverse fade t 0.010 reverse \
    gain -n "$SPEECH_PEAK_DB"
}

# Confirmations end a call: the caller must hear them whole before the
# hang-up. Each gets a tail of silence (at least CONFIRM_TAIL_SEC, more to
# last CONFIRM_MIN_SEC in all), so the phone's jitter buffer has played the
# last word when our BYE arrives. "Tack." alone is a third of a second.
CONFIRMATIONS=" thank_you goodbye recording_saved callback_confirmed avalanche_on avalanche_off "
CONFIRM_MIN_SEC=1.0
CONFIRM_TAIL_SEC=0.5
pad_confirmation() { # file
  local file="$1" tail
  tail=$(awk -v d="$(soxi -D "$file")" -v min="$CONFIRM_MIN_SEC" -v t="$CONFIRM_TAIL_SEC" \
    'BEGIN { p = min - d; if (p < t) p = t; printf "%.3f", p }')
  "${SOX[@]}" "$file" "$work/padded.wav" pad 0 "$tail"
  mv "$work/padded.wav" "$file"
  echo "$tail"
}

count=0
while IFS='|' read -r lang name text say; do
  speak "$lang" "$name" "${say:-$text}"
  if [[ "$CONFIRMATIONS" == *" $name "* ]]; then
    echo "$lang|$name|$(pad_confirmation "$stage/$lang/$name.wav")" >>"$work/tails.tsv"
  fi
  count=$((count + 1))
done <"$work/prompts.tsv"

# The beep: 1 kHz for 400 ms with 10 ms edges so it starts and stops cleanly.
for lang in sv en; do
  "${SOX[@]}" -n -r "$RATE" -c 1 -b 16 -e signed-integer "$stage/$lang/beep.wav" \
    synth 0.4 sine 1000 fade h 0.01 0.4 0.01 gain -n "$BEEP_PEAK_DB"
  echo "$lang|beep|(tone: 1000 Hz, 400 ms)" >>"$work/prompts.tsv"
done

# Music on hold: eight soft chords (C Am F G C Em F G, five seconds each,
# 40 s in all) under a slow plucked arpeggio, with a little reverb. Whatever
# rings past the end (the last chord's release, the reverb tail) is mixed
# back into the start, so the loop is one continuous circle: its end joins
# its start with no gap and no jump. Short fades at both ends make sure.
moh="$work/moh"
mkdir -p "$moh"
hz() { awk -v m="$1" 'BEGIN { printf "%.3f", 440 * 2 ^ ((m - 69) / 12) }'; }
CHORD_SEC=5
chords=(
  "48 60 64 67|72 76 79 84"  # C
  "45 57 60 64|69 72 76 81"  # Am
  "41 57 60 65|65 69 72 77"  # F
  "43 55 59 62|67 71 74 79"  # G
  "48 60 64 67|72 76 79 84"  # C
  "40 55 59 64|64 67 71 76"  # Em
  "41 57 60 65|65 69 72 77"  # F
  "43 55 59 62|67 71 74 79"  # G
)
arp_order=(0 1 2 3 2 1 2 1)   # up and back down within each chord
NOTE_SEC=0.625                # eight notes a chord
total=$((CHORD_SEC * ${#chords[@]}))
pads=()
notes=()
for i in "${!chords[@]}"; do
  IFS='|' read -r pad_notes arp_notes <<<"${chords[$i]}"
  start=$((i * CHORD_SEC))
  # The pad: sine voices mixed down, swelling in and out, overlapping the next chord.
  synth=()
  for m in $pad_notes; do synth+=(sine "$(hz "$m")"); done
  "${SOX[@]}" -r "$RATE" -c $((${#synth[@]} / 2)) -n -r "$RATE" -c 1 -b 16 "$moh/pad$i.wav" \
    synth 6.5 "${synth[@]}" remix - fade q 1.2 6.5 2.5 pad "$start"
  pads+=("$moh/pad$i.wav")
  # The arpeggio: soft plucked notes, each fading out before the next one.
  read -r -a arp <<<"$arp_notes"
  for k in "${!arp_order[@]}"; do
    m="${arp[${arp_order[$k]}]}"
    at=$(awk -v s="$start" -v k="$k" -v d="$NOTE_SEC" 'BEGIN { printf "%.3f", s + k * d }')
    "${SOX[@]}" -n -r "$RATE" -c 1 -b 16 "$moh/note${i}_$k.wav" \
      synth 1.2 pluck "$(hz "$m")" fade q 0.01 1.2 1.1 pad "$at"
    notes+=("$moh/note${i}_$k.wav")
  done
done
"${SOX[@]}" -m "${pads[@]}" "$moh/pads.wav" gain -n -6
"${SOX[@]}" -m "${notes[@]}" "$moh/notes.wav" gain -n -6
"${SOX[@]}" -m -v 0.8 "$moh/pads.wav" -v 1.5 "$moh/notes.wav" "$moh/mix.wav" \
  lowpass 2500 reverb 40 50 60 gain -n -3
# Wrap what runs past the loop length back onto the start.
"${SOX[@]}" "$moh/mix.wav" "$moh/head.wav" trim 0 "$total"
"${SOX[@]}" "$moh/mix.wav" "$moh/tail.wav" trim "$total"
"${SOX[@]}" -m -v 1 "$moh/head.wav" -v 1 "$moh/tail.wav" -r "$RATE" -c 1 -b 16 -e signed-integer \
  "$stage/moh/default.wav" trim 0 "$total" fade t 0.02 "$total" 0.02 gain -n "$MOH_PEAK_DB"

# The manifest, written by node from the table and the files themselves.
node - "$work/prompts.tsv" "$stage" "$work/tails.tsv" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const [tsv, stage, tailsTsv] = process.argv.slice(2);
const tails = new Map(fs.readFileSync(tailsTsv, 'utf8').trim().split('\n').map((line) => {
  const [lang, name, tail] = line.split('|');
  return [`${lang}/${name}`, Number(tail)];
}));
function wavInfo(file) {
  const buf = fs.readFileSync(file);
  let off = 12;
  let fmt;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { channels: buf.readUInt16LE(off + 10), sampleRate: buf.readUInt32LE(off + 12), bits: buf.readUInt16LE(off + 22) };
    if (id === 'data') {
      if (!fmt || fmt.sampleRate !== 8000 || fmt.channels !== 1 || fmt.bits !== 16) throw new Error(`${file}: not 8 kHz mono 16-bit`);
      return Math.round((size / 2 / fmt.sampleRate) * 1000) / 1000;
    }
    off += 8 + size + (size % 2);
  }
  throw new Error(`${file}: no data chunk`);
}
const prompts = fs.readFileSync(tsv, 'utf8').trim().split('\n').map((line) => {
  const [lang, name, text] = line.split('|');
  const file = `${lang}/${name}.wav`;
  const tailSec = tails.get(`${lang}/${name}`);
  return { name, lang, text, file, durationSec: wavInfo(path.join(stage, file)), ...(tailSec !== undefined ? { tailSec } : {}) };
});
const order = (p) => [p.lang === 'sv' ? 0 : 1, p.name.startsWith('number_') ? 1 : 0];
const num = (name) => { const m = /^number_(\d+)$/.exec(name); return m ? Number(m[1]) : Infinity; };
prompts.sort((a, b) => {
  const [la, ka] = order(a); const [lb, kb] = order(b);
  return la - lb || ka - kb || num(a.name) - num(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
});
const manifest = {
  comment: 'Generated by scripts/make-prompts.sh; do not edit by hand. Files are relative to this folder.',
  format: { container: 'wav', encoding: 'pcm_s16le', sampleRate: 8000, channels: 1, bitsPerSample: 16 },
  languages: ['sv', 'en'],
  prompts,
  music: [{ name: 'default', file: 'moh/default.wav', text: '(music on hold: C Am F G C Em F G, loops seamlessly)', durationSec: wavInfo(path.join(stage, 'moh/default.wav')) }],
};
fs.writeFileSync(path.join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
EOF

# Replace the generated parts of the output folder, nothing else.
rm -rf "$out/sv" "$out/en" "$out/moh"
mv "$stage/sv" "$stage/en" "$stage/moh" "$out/"
mv "$stage/manifest.json" "$out/manifest.json"

files=$(find "$out" -name '*.wav' | wc -l)
size=$(du -sh "$out" | cut -f1)
echo "make-prompts: $files WAV files and manifest.json in $out ($size)"
