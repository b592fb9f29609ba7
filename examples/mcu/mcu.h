/* mcu.h: what startup.c offers the firmware. */
#ifndef MCU_H
#define MCU_H

#include <stddef.h>

/* Bytes of the stack ever touched since reset (or since the last
 * mcu_stack_paint()): the stack's top down to the deepest word no longer
 * holding the paint pattern. */
size_t mcu_stack_used(void);

/* Paints the stack below the caller's frame again, so that mcu_stack_used()
 * then measures the calls that follow (plus the caller's depth). */
void mcu_stack_paint(void);

#endif
