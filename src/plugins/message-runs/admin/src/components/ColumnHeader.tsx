import { Flex, Th, Typography } from '@strapi/design-system';
import { CaretDown, CaretUp } from '@strapi/icons';

interface ColumnHeaderProps {
  name: string;
  label: string;
  /** The list's sort, `<name>:asc|desc`; without onSort the column does not sort. */
  sort?: string;
  onSort?: (sort: string) => void;
  /** For a column shown at some widths only. */
  className?: string;
}

/** A column header; a sortable one sorts by its column, and a second click turns the order around. */
export const ColumnHeader = ({ name, label, sort = '', onSort, className }: ColumnHeaderProps) => {
  if (!onSort) {
    return (
      <Th className={className}>
        <Typography variant="sigma">{label}</Typography>
      </Th>
    );
  }
  const [key, order] = sort.split(':');
  const active = key === name;
  return (
    <Th className={className} aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <Flex
        tag="button"
        type="button"
        gap={1}
        onClick={() => onSort(`${name}:${active && order === 'asc' ? 'desc' : 'asc'}`)}
        style={{ background: 'none', border: 0, padding: 0, cursor: 'pointer' }}
      >
        <Typography variant="sigma" textColor={active ? 'primary600' : 'neutral600'}>
          {label}
        </Typography>
        {active && (order === 'asc' ? <CaretUp aria-hidden /> : <CaretDown aria-hidden />)}
      </Flex>
    </Th>
  );
};
