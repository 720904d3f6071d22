// The subcommands of the switchyard binary (main.cpp dispatches).
#pragma once

namespace switchyard::proxy::cli {

int serve_main(int argc, char** argv, bool demo);
int keys_main(int argc, char** argv);
// `usage` (rollups) and `export` (raw rows, when raw_rows).
int usage_main(int argc, char** argv, bool raw_rows);

}  // namespace switchyard::proxy::cli
