/* bench/udpblast.c: sends COUNT UDP datagrams to ADDR:PORT as fast as it
 * can and prints the wall and CPU nanoseconds per datagram. Over a veth
 * pair the receiver's input path (netfilter included) runs in the sender's
 * softirq, so the CPU time per datagram includes the receiving ruleset.
 * Usage: udpblast ADDR PORT COUNT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	char buf[64] = "edgefw bench";
	long i, n;
	double t0, c0, t1, c1;
	int fd;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: udpblast ADDR PORT COUNT\n");
		return 2;
	}
	to.sin_port = htons(atoi(argv[2]));
	n = atol(argv[3]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	t0 = now();
	c0 = cpu();
	for (i = 0; i < n; i++)
		if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			perror("sendto");
			return 1;
		}
	t1 = now();
	c1 = cpu();
	printf("%.0f %.0f\n", (t1 - t0) / n, (c1 - c0) / n);
	return 0;
}
