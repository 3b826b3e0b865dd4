/* PLACEHOLDER: the command line replaces this file. */
#include <stdio.h>
int main(void) { puts("vdebug"); return 0; }
