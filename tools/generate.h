// `switchyard generate --model FILE --prompt TEXT [...]`: runs the local engine on one
// prompt, streams the text to stdout and prints prefill/decode speed on stderr.
#pragma once

int generate_main(int argc, char** argv);
