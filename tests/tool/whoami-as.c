/*
 * whoami-as.c - run in the guest by tests/tool/accounts.sh: looks USER up
 * with getpwnam and its group with getgrgid (glibc's files lookups of
 * /etc/passwd and /etc/group, no nsswitch.conf), then becomes it as a
 * server drops root (initgroups, setgid, setuid, as nginx's workers do)
 * and prints one line: "NAME uid=U gid=G home=DIR groups=G1,G2 euid=E
 * egid=E". Exits 1 with the step that failed.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *user = argc > 1 ? argv[1] : "www-data";
	gid_t groups[64];
	struct passwd *pw = getpwnam(user);
	struct group *gr;
	int n;

	if (!pw) {
		printf("getpwnam(\"%s\") found nothing\n", user);
		return 1;
	}
	if (!(gr = getgrgid(pw->pw_gid))) {
		printf("getgrgid(%u) found nothing\n", (unsigned)pw->pw_gid);
		return 1;
	}
	if (initgroups(user, pw->pw_gid) || setgid(pw->pw_gid) ||
	    setuid(pw->pw_uid)) {
		perror("initgroups/setgid/setuid");
		return 1;
	}
	n = getgroups(64, groups);
	printf("%s uid=%u gid=%u(%s) home=%s groups=", pw->pw_name,
	       (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, gr->gr_name,
	       pw->pw_dir);
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned)groups[i]);
	printf(" euid=%u egid=%u\n", (unsigned)geteuid(), (unsigned)getegid());
	return setuid(0) == 0 ? 1 : 0; /* root is not to be had back */
}
