// `switchyard make-demo-model --out FILE [...]`: writes a random-weight Mixtral GGUF.
#pragma once

int make_demo_model_main(int argc, char** argv);
