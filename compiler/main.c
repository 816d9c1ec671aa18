/* lstmc: see driver.c. */
#include <stdio.h>

#include "driver.h"

int main(int argc, char **argv)
{
    /* Diagnostics print a byte at a time; unbuffered, a long line costs a
     * system call per byte. exit() flushes. */
    static char errbuf[1 << 16];
    setvbuf(stderr, errbuf, _IOFBF, sizeof errbuf);
    return lstmc_main(argc, argv, stdout, stderr);
}
