/* startup.c: reset and fault handling for a Cortex-M4 with an FPU (QEMU's
 * mps2-an386), for firmware linked with mps2_an386.ld and newlib's
 * rdimon.specs -nostartfiles: printf, exit and the exit status travel over
 * semihosting to the host (the debugger, or QEMU with -semihosting).
 *
 * On reset: the FPU on, .data copied from flash, .bss zeroed, the stack
 * painted (mcu_stack_used() finds its high-water mark later), newlib set up,
 * then exit(main()). A fault, or any exception nothing else handles, prints
 * what happened and where, and exits with status 128 + the exception
 * number (131 for a HardFault).
 *
 * On a board with no debugger attached a semihosting call (bkpt 0xab)
 * itself faults: there, link with nosys.specs instead, define _write to
 * send the bytes out of a UART, and drop initialise_monitor_handles(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcu.h"

/* From the linker script. */
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];

/* From newlib (librdimon, libc). */
extern unsigned int __heap_limit; /* _sbrk's ceiling (0xcafedead: none) */
void initialise_monitor_handles(void);
void __libc_init_array(void);

int main(void);
void Reset_Handler(void);
void mcu_fault(const uint32_t *frame);

/* System control block registers. */
#define SCB_CCR   (*(volatile uint32_t *)0xE000ED14u)
#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define SCB_CFSR  (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR  (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

#define STACK_PAINT 0xC5AC5AC5u

/* Semihosting: operation OP with argument ARG (bkpt 0xab in Thumb state). */
static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

#define SYS_WRITE0 0x04u
#define SYS_EXIT 0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_Stopped_ApplicationExit 0x20026u
#define ADP_Stopped_RunTimeErrorUnknown 0x20023u

void mcu_stack_paint(void)
{
    /* Below the stack pointer nothing is live (no interrupts are enabled,
     * and the ABI has no red zone). volatile: no call to memset, whose
     * frame would lie in the very words being painted. */
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (volatile uint32_t *p = __stack_bottom; p < sp; p++)
        *p = STACK_PAINT;
}

size_t mcu_stack_used(void)
{
    const uint32_t *p = __stack_bottom;
    while (p < __stack_top && *p == STACK_PAINT)
        p++;
    return (size_t)((const char *)__stack_top - (const char *)p);
}

void Reset_Handler(void)
{
    /* The FPU first, before any code the compiler may give float or
     * VFP-register instructions: CP10 and CP11 full access. */
    SCB_CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    /* MemManage, BusFault and UsageFault (division by zero included)
     * reported as themselves, not escalated to HardFault. */
    SCB_SHCSR |= 7u << 16;
    SCB_CCR |= 1u << 4;

    memcpy(__data_start, __data_load, (size_t)((char *)__data_end - (char *)__data_start));
    memset(__bss_start, 0, (size_t)((char *)__bss_end - (char *)__bss_start));
    mcu_stack_paint();

    __heap_limit = (unsigned int)(uintptr_t)__stack_bottom; /* malloc stops at the stack */
    initialise_monitor_handles(); /* stdin, stdout, stderr */
    __libc_init_array();          /* constructors, if any */
    exit(main());
}

/* __libc_init_array calls _init; without crti.o (-nostartfiles) nothing
 * else defines it, nor _fini. */
void _init(void) {}
void _fini(void) {}

/* Appends the hexadecimal V to *OUT. */
static void put_hex(char **out, uint32_t v)
{
    *(*out)++ = '0';
    *(*out)++ = 'x';
    for (int shift = 28; shift >= 0; shift -= 4)
        *(*out)++ = "0123456789abcdef"[(v >> shift) & 0xFu];
}

/* Appends the decimal V (below 1000) to *OUT. */
static void put_small(char **out, uint32_t v)
{
    if (v >= 100)
        *(*out)++ = (char)('0' + v / 100);
    if (v >= 10)
        *(*out)++ = (char)('0' + v / 10 % 10);
    *(*out)++ = (char)('0' + v % 10);
}

static void put_str(char **out, const char *s)
{
    while (*s)
        *(*out)++ = *s++;
}

/* The exception FRAME (r0-r3, r12, lr, pc, xpsr as stacked on entry):
 * reported with the fault status registers, then the exit. Semihosting
 * directly, not stdio: the C library's state may be what broke (QEMU
 * prints SYS_WRITE0 on its standard error). */
void mcu_fault(const uint32_t *frame)
{
    static const char *const names[] = { "exception", "exception", "NMI", "HardFault",
                                         "MemManage", "BusFault", "UsageFault" };
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    uint32_t n = ipsr & 0x1FFu;
    char line[128], *out = line;
    put_str(&out, "fault: ");
    put_str(&out, names[n < 7 ? n : 0]);
    put_str(&out, " (exception ");
    put_small(&out, n);
    put_str(&out, ") at pc ");
    put_hex(&out, frame[6]);
    put_str(&out, ", lr ");
    put_hex(&out, frame[5]);
    put_str(&out, "; CFSR ");
    put_hex(&out, SCB_CFSR);
    put_str(&out, ", HFSR ");
    put_hex(&out, SCB_HFSR);
    put_str(&out, "\n");
    *out = '\0';
    semihost(SYS_WRITE0, line);
    /* The status as the host sees it; a host without SYS_EXIT_EXTENDED
     * returns, and the plain SYS_EXIT reports an error (status 1). */
    const uint32_t block[2] = { ADP_Stopped_ApplicationExit, 128u + n };
    semihost(SYS_EXIT_EXTENDED, block);
    semihost(SYS_EXIT, (const void *)ADP_Stopped_RunTimeErrorUnknown);
    for (;;) {
    }
}

/* Every exception but reset: hands the stacked frame (on the main or the
 * process stack, as bit 2 of EXC_RETURN says) to mcu_fault. */
__attribute__((naked)) static void fault_entry(void)
{
    __asm__ volatile("tst lr, #4\n\t"
                     "ite eq\n\t"
                     "mrseq r0, msp\n\t"
                     "mrsne r0, psp\n\t"
                     "b mcu_fault\n\t");
}

/* The vector table, at address 0 (.isr_vector comes first in flash): the
 * initial stack pointer, then the system exceptions 1-15. The device's
 * interrupts (16 on) would follow; this firmware enables none. */
typedef void (*mcu_handler)(void);
__attribute__((section(".isr_vector"), used))
static const struct {
    void *initial_sp;
    mcu_handler handler[15];
} vectors = {
    __stack_top,
    {
        Reset_Handler,
        fault_entry, /* NMI */
        fault_entry, /* HardFault */
        fault_entry, /* MemManage */
        fault_entry, /* BusFault */
        fault_entry, /* UsageFault */
        0, 0, 0, 0,  /* reserved */
        fault_entry, /* SVCall */
        fault_entry, /* DebugMonitor */
        0,           /* reserved */
        fault_entry, /* PendSV */
        fault_entry, /* SysTick */
    },
};
