// The subcommands of the switchyard binary (main.cpp dispatches).
#pragma once

namespace switchyard::proxy::cli {

int serve_main(int argc, char** argv, bool demo);
int keys_main(int argc, char** argv);

}  // namespace switchyard::proxy::cli
