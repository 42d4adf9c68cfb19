#include "bridge/bridge.hpp"
int main() {
    return rt::cni::run_main(rt::bridge::bridge_plugin());
}
