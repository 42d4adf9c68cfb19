#include <linux/mount.h>
#include <sys/mount.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "linux/mount_options.hpp"

using rt::linux::parse_mount_options;

BOOST_AUTO_TEST_CASE(mount_options_flags_and_data) {
    auto o = parse_mount_options({"nosuid", "strictatime", "mode=755", "size=65536k"});
    BOOST_TEST((o.flags & MS_NOSUID) != 0);
    BOOST_TEST((o.flags & MS_STRICTATIME) != 0);
    BOOST_TEST(o.data == "mode=755,size=65536k");
    BOOST_TEST(!o.bind);
}

BOOST_AUTO_TEST_CASE(mount_options_later_option_wins) {
    auto o = parse_mount_options({"ro", "rw", "noexec", "exec", "nodev"});
    BOOST_TEST((o.flags & MS_RDONLY) == 0u);
    BOOST_TEST((o.flags & MS_NOEXEC) == 0u);
    BOOST_TEST((o.flags & MS_NODEV) != 0);
}

BOOST_AUTO_TEST_CASE(mount_options_bind_rbind_and_propagation) {
    auto o = parse_mount_options({"rbind", "ro", "rprivate", "shared"});
    BOOST_TEST(o.bind);
    BOOST_TEST(o.recursive_bind);
    BOOST_TEST((o.flags & MS_REC) != 0);
    BOOST_TEST((o.flags & MS_RDONLY) != 0);
    BOOST_REQUIRE(o.propagation.size() == 2u);
    BOOST_TEST(o.propagation[0] == static_cast<unsigned long>(MS_PRIVATE | MS_REC));
    BOOST_TEST(o.propagation[1] == static_cast<unsigned long>(MS_SHARED));
    auto b = parse_mount_options({"bind"});
    BOOST_TEST(b.bind);
    BOOST_TEST(!b.recursive_bind);
}

BOOST_AUTO_TEST_CASE(mount_options_recursive_attributes) {
    auto o = parse_mount_options({"rro", "rnosuid", "rnosuid", "rsuid"});
    BOOST_TEST((o.attr_set & MOUNT_ATTR_RDONLY) != 0u);
    BOOST_TEST((o.attr_set & MOUNT_ATTR_NOSUID) == 0u);
    BOOST_TEST((o.attr_clr & MOUNT_ATTR_NOSUID) != 0u);
    BOOST_TEST(o.data.empty());
}

BOOST_AUTO_TEST_CASE(mount_options_rootfs_propagation_names) {
    BOOST_TEST(rt::linux::propagation_flags("rslave") ==
               static_cast<unsigned long>(MS_SLAVE | MS_REC));
    BOOST_TEST(rt::linux::propagation_flags("private") == static_cast<unsigned long>(MS_PRIVATE));
    BOOST_TEST(rt::linux::propagation_flags("bogus") == 0u);
}

BOOST_AUTO_TEST_CASE(mount_options_idmap_and_ridmap) {
    auto i = parse_mount_options({"bind", "idmap"});
    BOOST_TEST(i.idmap);
    BOOST_TEST(!i.recursive_idmap);
    BOOST_TEST(i.data.empty());  // never passed to mount(2)
    auto r = parse_mount_options({"rbind", "ridmap"});
    BOOST_TEST(r.idmap);
    BOOST_TEST(r.recursive_idmap);
    BOOST_TEST(r.data.empty());
    auto names = rt::linux::known_mount_options();
    BOOST_TEST((std::find(names.begin(), names.end(), "ridmap") != names.end()));
}

// tmpcopyup (runc's extension): a flag of its own, never tmpfs data (tmpfs refuses it).
BOOST_AUTO_TEST_CASE(mount_options_tmpcopyup_is_not_data) {
    auto o = parse_mount_options({"rw", "tmpcopyup", "size=1m"});
    BOOST_TEST(o.copy_up);
    BOOST_TEST(o.data == "size=1m");
    BOOST_TEST(!parse_mount_options({"size=1m"}).copy_up);
    auto names = rt::linux::known_mount_options();
    BOOST_TEST((std::find(names.begin(), names.end(), "tmpcopyup") != names.end()));
}
