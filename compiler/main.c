/* lstmc: see driver.c. */
#include <stdio.h>

#include "driver.h"

int main(int argc, char **argv)
{
    return lstmc_main(argc, argv, stdout, stderr);
}
