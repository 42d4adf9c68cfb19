// rt-host-local: host-local compatible IPAM plugin (CNI 0.3.0 ... 1.1.0).
#include "ipam/host_local.hpp"

int main() {
    return rt::cni::run_main(rt::ipam::host_local_plugin());
}
